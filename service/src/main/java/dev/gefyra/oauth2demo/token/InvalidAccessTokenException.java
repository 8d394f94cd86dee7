package dev.gefyra.oauth2demo.token;

import org.springframework.security.oauth2.jwt.BadJwtException;

/**
 * The request carried an access token that is malformed, not trusted or no longer valid:
 * a client error (401).
 * <p>
 * A {@link BadJwtException}, as Spring Security's decoder calls a token's own fault, so
 * that the decoder passes one raised while it looks up keys through unchanged.
 */
public class InvalidAccessTokenException extends BadJwtException {

	public InvalidAccessTokenException(String message) {
		super(message);
	}

	public InvalidAccessTokenException(String message, Throwable cause) {
		super(message, cause);
	}

}
