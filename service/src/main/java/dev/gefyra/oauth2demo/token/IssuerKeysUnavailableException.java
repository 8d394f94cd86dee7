package dev.gefyra.oauth2demo.token;

import org.jspecify.annotations.Nullable;

import org.springframework.security.oauth2.jwt.JwtException;

/**
 * The issuer's keys could not be fetched: the JWKS URL did not answer in time, answered
 * with an error, or served something that is not a JWK set.
 * <p>
 * A {@link JwtException}, so that Spring Security's decoder passes it through as it is
 * (it wraps any other failure of the key lookup in a vaguer one).
 */
final class IssuerKeysUnavailableException extends JwtException {

	IssuerKeysUnavailableException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
