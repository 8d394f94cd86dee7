package dev.gefyra.oauth2demo.token;

import org.jspecify.annotations.Nullable;

/**
 * The token could not be checked because the issuer's keys could not be fetched or used:
 * not the client's fault (503). Only {@link AccessTokenVerifier} gives this verdict.
 */
public class TokenVerificationUnavailableException extends RuntimeException {

	public TokenVerificationUnavailableException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
