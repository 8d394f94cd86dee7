package dev.gefyra.oauth2demo.token;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a refused {@code none} mode into Boot's short "APPLICATION FAILED TO START"
 * report.
 */
class InsecureVerificationModeFailureAnalyzer extends AbstractFailureAnalyzer<InsecureVerificationModeException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InsecureVerificationModeException cause) {
		return new FailureAnalysis(cause.getMessage(),
				"Set server.address=127.0.0.1 (the sidecar reaches the service over loopback), "
						+ "or use token.verification=jwks with token.jwk-set-uri and token.issuer.",
				cause);
	}

}
