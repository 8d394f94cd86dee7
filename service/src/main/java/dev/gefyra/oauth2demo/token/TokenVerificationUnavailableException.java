package dev.gefyra.oauth2demo.token;

import org.jspecify.annotations.Nullable;

import org.springframework.security.oauth2.jwt.JwtException;

/**
 * The token could not be checked because the issuer's keys could not be fetched or used:
 * not the client's fault (503).
 * <p>
 * A {@link JwtException}, so that Spring Security's decoder passes one raised while it
 * looks up keys through unchanged.
 */
public class TokenVerificationUnavailableException extends JwtException {

	public TokenVerificationUnavailableException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
