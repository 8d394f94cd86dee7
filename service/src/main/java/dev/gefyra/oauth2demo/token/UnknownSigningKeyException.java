package dev.gefyra.oauth2demo.token;

import org.springframework.security.oauth2.jwt.JwtException;

/**
 * The issuer's keys, fetched again as far as allowed, hold no key the token names.
 * <p>
 * A {@link JwtException}, so that Spring Security's decoder passes it through as it is
 * (it wraps any other failure of the key lookup in a vaguer one).
 */
final class UnknownSigningKeyException extends JwtException {

	UnknownSigningKeyException(String message) {
		super(message);
	}

}
