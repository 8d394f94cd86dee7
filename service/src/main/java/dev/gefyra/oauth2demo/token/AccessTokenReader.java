package dev.gefyra.oauth2demo.token;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * Reads the access token the proxy forwards and returns its claims, verified as
 * configured.
 */
@Component
public class AccessTokenReader {

	private static final String BEARER_PREFIX = "Bearer ";

	private final ReactiveJwtDecoder decoder;

	private final String header;

	private final VerifiedTokenCache verified;

	public AccessTokenReader(ReactiveJwtDecoder decoder, TokenProperties properties) {
		this.decoder = decoder;
		this.header = properties.header();
		this.verified = new VerifiedTokenCache(properties.cacheSize(), properties.cacheTtl(), Clock.systemUTC(),
				this::verify);
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

	private Mono<Map<String, Object>> verify(String token) {
		return this.decoder.decode(token).map(AccessTokenReader::jsonClaims).onErrorMap(AccessTokenReader::verdict);
	}

	/**
	 * Spring wraps what the key source says in an {@code IllegalStateException}; unwrap
	 * it, so a reason given there reaches the client.
	 */
	private static Throwable verdict(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof InvalidAccessTokenException
					|| cause instanceof TokenVerificationUnavailableException) {
				return cause;
			}
		}
		if (ex instanceof BadJwtException bad) {
			return new InvalidAccessTokenException(reason(bad), bad);
		}
		// Fetch failures come from IssuerKeySet, unwrapped above; a JwtException that is
		// not
		// a BadJwtException is Nimbus failing to use a key it was given, not the token.
		if (ex instanceof JwtException) {
			return new TokenVerificationUnavailableException(String.valueOf(ex.getMessage()), ex);
		}
		return ex;
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

	/**
	 * Spring's message alone can be as vague as "Failed to validate the token"; Nimbus's
	 * cause says why.
	 */
	private static String reason(JwtException ex) {
		String message = String.valueOf(ex.getMessage());
		Throwable cause = ex.getCause();
		String because = (cause != null) ? cause.getMessage() : null;
		// Spring often repeats its cause's message in its own.
		return (because == null || message.contains(because)) ? message : message + ": " + because;
	}

	/**
	 * Spring's decoder turns {@code exp}, {@code iat}, {@code nbf} into Instants; answer
	 * them as the token has them.
	 */
	private static Map<String, Object> jsonClaims(Jwt jwt) {
		Map<String, Object> claims = new LinkedHashMap<>(jwt.getClaims().size());
		jwt.getClaims()
			.forEach((name, value) -> claims.put(name,
					(value instanceof Instant instant) ? instant.getEpochSecond() : value));
		return claims;
	}

}
