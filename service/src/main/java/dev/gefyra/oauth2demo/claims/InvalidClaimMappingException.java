package dev.gefyra.oauth2demo.claims;

/**
 * Thrown when configured claim settings cannot become a {@link ClaimMapping}; the message
 * lists every problem found.
 */
public class InvalidClaimMappingException extends RuntimeException {

	public InvalidClaimMappingException(String message) {
		super(message);
	}

	public InvalidClaimMappingException(String message, Throwable cause) {
		super(message, cause);
	}

}
