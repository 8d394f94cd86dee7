package dev.gefyra.oauth2demo.token;

import java.text.ParseException;
import java.time.Duration;

import com.nimbusds.jose.proc.BadJOSEException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.JwtException;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The verdicts the verifier makes of what the decoder and the issuer's key set report,
 * with a decoder that fails as told.
 */
class AccessTokenVerifierTests {

	@Test
	void unknownSigningKeyShouldRefuseTheTokenWithItsReason() {
		String reason = "The issuer has no RS256 key with kid 'made-up' (its keys were fetched at 2026-11-28T12:00:00Z)";
		assertThatExceptionOfType(InvalidAccessTokenException.class)
			.isThrownBy(() -> verifyFailing(new UnknownSigningKeyException(reason)))
			.withMessage(reason);
	}

	@Test
	void unacceptedAlgorithmShouldRefuseTheTokenWithItsReason() {
		String reason = "Unsupported algorithm HS256, accepted: [RS256]";
		assertThatExceptionOfType(InvalidAccessTokenException.class)
			.isThrownBy(() -> verifyFailing(new UnacceptedAlgorithmException(reason)))
			.withMessage(reason);
	}

	@Test
	void malformedTokenShouldRefuseItWithoutRepeatingTheCause() {
		ParseException cause = new ParseException("Invalid JSON", 0);
		assertThatExceptionOfType(InvalidAccessTokenException.class)
			.isThrownBy(() -> verifyFailing(
					new BadJwtException("The token's payload is not a JSON claims set: Invalid JSON", cause)))
			.withMessage("The token's payload is not a JSON claims set: Invalid JSON");
	}

	@Test
	void vagueRefusalShouldSayNimbusReason() {
		BadJOSEException cause = new BadJOSEException("Signed JWT rejected: Invalid signature");
		assertThatExceptionOfType(InvalidAccessTokenException.class)
			.isThrownBy(() -> verifyFailing(new BadJwtException("Failed to validate the token", cause)))
			.withMessage("Failed to validate the token: Signed JWT rejected: Invalid signature");
	}

	@Test
	void unreachableIssuerKeysShouldMakeVerificationUnavailableWithTheirReason() {
		String reason = "The issuer's keys could not be fetched (no keys fetched yet); next attempt in 10 s";
		assertThatExceptionOfType(TokenVerificationUnavailableException.class)
			.isThrownBy(() -> verifyFailing(new IssuerKeysUnavailableException(reason, null)))
			.withMessage(reason);
	}

	@Test
	void keyNimbusCouldNotUseShouldMakeVerificationUnavailable() {
		assertThatExceptionOfType(TokenVerificationUnavailableException.class)
			.isThrownBy(() -> verifyFailing(new JwtException("Failed to validate the token")))
			.withMessage("Failed to validate the token");
	}

	private static void verifyFailing(JwtException failure) {
		new AccessTokenVerifier((token) -> Mono.error(failure)).verify("any").block(Duration.ofSeconds(5));
	}

}
