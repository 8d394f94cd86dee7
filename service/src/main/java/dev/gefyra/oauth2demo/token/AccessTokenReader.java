package dev.gefyra.oauth2demo.token;

import java.util.Map;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * Reads the access token the proxy forwards and returns its claims, verified as
 * configured.
 */
@Component
public class AccessTokenReader {

	private static final String BEARER_PREFIX = "Bearer ";

	private final String header;

	private final VerifiedTokenCache verified;

	AccessTokenReader(VerifiedTokenCache verified, TokenProperties properties) {
		this.header = properties.header();
		this.verified = verified;
	}

	/**
	 * The claims of the request's access token, as the token's JSON has them (timestamps
	 * as epoch seconds).
	 * @param request the request
	 * @return the claims; empty when the request has no token; an error of
	 * {@link InvalidAccessTokenException} for a bad token,
	 * {@link TokenVerificationUnavailableException} when the issuer's keys cannot be
	 * fetched
	 */
	public Mono<Map<String, Object>> claims(ServerRequest request) {
		String token = tokenOf(request);
		if (token == null) {
			return Mono.empty();
		}
		return this.verified.claims(token);
	}

	/** OAuth2-Proxy forwards the bare token; a {@code Bearer } prefix is accepted too. */
	private @Nullable String tokenOf(ServerRequest request) {
		String value = request.headers().firstHeader(this.header);
		if (value == null) {
			return null;
		}
		value = value.strip();
		if (value.regionMatches(true, 0, BEARER_PREFIX, 0, BEARER_PREFIX.length())) {
			value = value.substring(BEARER_PREFIX.length()).strip();
		}
		return value.isEmpty() ? null : value;
	}

}
