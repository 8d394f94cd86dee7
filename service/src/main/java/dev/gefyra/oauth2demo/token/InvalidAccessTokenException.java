package dev.gefyra.oauth2demo.token;

/**
 * The request carried an access token that is malformed, not trusted or no longer valid:
 * a client error (401). Only {@link AccessTokenVerifier} gives this verdict.
 */
public class InvalidAccessTokenException extends RuntimeException {

	public InvalidAccessTokenException(String message) {
		super(message);
	}

	public InvalidAccessTokenException(String message, Throwable cause) {
		super(message, cause);
	}

}
