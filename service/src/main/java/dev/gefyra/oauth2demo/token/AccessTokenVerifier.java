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
	 * The decoder and the key set say what went wrong; this decides whose fault it is.
	 * The token's: a key or an algorithm the issuer does not sign with, or a
	 * {@link BadJwtException} (Spring Security's name for a token that does not parse, or
	 * whose signature or claims do not pass). Not the token's: the issuer's keys could
	 * not be fetched, or any other {@link JwtException} (Nimbus could not use a key it
	 * was given).
	 */
	private static RuntimeException verdict(JwtException failure) {
		return switch (failure) {
			case UnknownSigningKeyException unknownKey ->
				new InvalidAccessTokenException(reason(unknownKey), unknownKey);
			case UnacceptedAlgorithmException algorithm ->
				new InvalidAccessTokenException(reason(algorithm), algorithm);
			case BadJwtException bad -> new InvalidAccessTokenException(reason(bad), bad);
			case IssuerKeysUnavailableException unavailable ->
				new TokenVerificationUnavailableException(String.valueOf(unavailable.getMessage()), unavailable);
			default -> new TokenVerificationUnavailableException(String.valueOf(failure.getMessage()), failure);
		};
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
