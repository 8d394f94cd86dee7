package dev.gefyra.oauth2demo.token;

import org.springframework.security.oauth2.jwt.JwtException;

/**
 * The token is not signed with one of the configured algorithms (or not signed at all),
 * so no key is looked up for it.
 * <p>
 * A {@link JwtException}, so that Spring Security's decoder passes it through as it is
 * (it wraps any other failure of the key lookup in a vaguer one).
 */
final class UnacceptedAlgorithmException extends JwtException {

	UnacceptedAlgorithmException(String message) {
		super(message);
	}

}
