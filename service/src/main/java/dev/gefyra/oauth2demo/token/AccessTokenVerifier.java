package dev.gefyra.oauth2demo.token;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/**
 * Verifies an access token with the configured decoder and answers its claims. This is
 * the one place where a failed check becomes one of the two verdicts a request can get:
 * the token is refused ({@link InvalidAccessTokenException}, 401), or it cannot be
 * checked right now ({@link TokenVerificationUnavailableException}, 503).
 */
final class AccessTokenVerifier {

	private final ReactiveJwtDecoder decoder;

	AccessTokenVerifier(ReactiveJwtDecoder decoder) {
		this.decoder = decoder;
	}

	/**
	 * Verifies the token each time the result is subscribed to: a cache that subscribes
	 * again after its entry expired gets a fresh check against the keys of that moment.
	 * @param token the raw token
	 * @return the claims, as the token's JSON has them (timestamps as epoch seconds); a
	 * failed check as an error of {@link InvalidAccessTokenException} or
	 * {@link TokenVerificationUnavailableException}
	 */
	Mono<Map<String, Object>> verify(String token) {
		return Mono.defer(() -> this.decoder.decode(token))
			.map(AccessTokenVerifier::jsonClaims)
			.onErrorMap(JwtException.class, AccessTokenVerifier::verdict);
	}

	/**
	 * Spring Security's decoder tells a token's own fault ({@link BadJwtException}: it
	 * does not parse, its signature or claims do not pass) from one in verifying it (any
	 * other {@link JwtException}: Nimbus could not use a key it was given). The key set
	 * raises the two verdicts itself, and the decoder passes them through as they are.
	 */
	private static JwtException verdict(JwtException failure) {
		if (failure instanceof InvalidAccessTokenException
				|| failure instanceof TokenVerificationUnavailableException) {
			return failure;
		}
		if (failure instanceof BadJwtException bad) {
			return new InvalidAccessTokenException(reason(bad), bad);
		}
		return new TokenVerificationUnavailableException(String.valueOf(failure.getMessage()), failure);
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
