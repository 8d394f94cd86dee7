package dev.gefyra.oauth2demo.token;

import dev.gefyra.oauth2demo.ClaimServiceApplication;
import dev.gefyra.oauth2demo.support.ExpectedLogs;
import dev.gefyra.oauth2demo.support.TestIssuer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.NestedExceptionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Start-up decisions about token verification: what the service refuses to run with, and
 * what decode-only mode still checks.
 */
class VerificationModeTests {

	/** Where Spring Boot reports a failed start ("APPLICATION FAILED TO START"). */
	private static final String FAILURE_REPORT = "org.springframework.boot.diagnostics.LoggingFailureAnalysisReporter";

	@RegisterExtension
	final ExpectedLogs logs = new ExpectedLogs();

	@Test
	void noneModeShouldRefuseToStartOnNonLoopbackAddress() {
		expectFailedStart("token.verification=none accepts unsigned and forged tokens, so it is allowed only when "
				+ "server.address is a loopback address; server.address is '0.0.0.0'");
		assertThatException().isThrownBy(() -> start("--token.verification=none", "--server.address=0.0.0.0"))
			.satisfies((ex) -> assertThat(NestedExceptionUtils.getMostSpecificCause(ex))
				.isInstanceOf(InsecureVerificationModeException.class));
		assertThat(this.logs.messages(FAILURE_REPORT)).singleElement()
			.asString()
			.contains("APPLICATION FAILED TO START")
			.contains("Set server.address=127.0.0.1");
	}

	@Test
	void jwksModeShouldRefuseToStartWithoutIssuerSettings() {
		expectFailedStart("needs token.jwk-set-uri and token.issuer");
		assertThatException().isThrownBy(() -> start("--token.verification=jwks"))
			.satisfies((ex) -> assertThat(NestedExceptionUtils.getMostSpecificCause(ex))
				.hasMessageContaining("needs token.jwk-set-uri and token.issuer"));
		assertThat(this.logs.messages(FAILURE_REPORT)).singleElement()
			.asString()
			.contains("APPLICATION FAILED TO START");
	}

	@Test
	void noneModeShouldDecodeAnySignatureButStillRefuseUnsignedTokens() {
		try (TestIssuer issuer = TestIssuer.start()) {
			var decoder = AccessTokenDecoders.decodeOnlyDecoder("127.0.0.1");
			assertThat(decoder.decode(issuer.tokenSignedByAnotherKey()).block().getClaimAsString("email"))
				.isEqualTo("john@gefyra.dev");
			assertThatException().isThrownBy(() -> decoder.decode(TestIssuer.unsignedToken()).block())
				.withMessageContaining("Unsupported algorithm");
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "127.0.0.1", "127.1.2.3", "::1", "localhost" })
	void noneModeShouldBeAllowedOnLoopbackAddresses(String address) {
		assertThatNoException().isThrownBy(() -> AccessTokenDecoders.decodeOnlyDecoder(address));
	}

	@ParameterizedTest
	@ValueSource(strings = { "0.0.0.0", "::", "10.0.0.1", "192.168.1.10" })
	void noneModeShouldBeRefusedOnAnyOtherAddress(String address) {
		assertThatExceptionOfType(InsecureVerificationModeException.class)
			.isThrownBy(() -> AccessTokenDecoders.decodeOnlyDecoder(address));
	}

	/** Boot's report of the failed start, and the context's note that it gave up. */
	private void expectFailedStart(String reason) {
		this.logs.expect(FAILURE_REPORT, reason);
		this.logs.expect(AnnotationConfigApplicationContext.class, "cancelling refresh attempt");
	}

	/**
	 * Command-line arguments, since they outrank application.yaml (builder properties do
	 * not).
	 */
	private static void start(String... args) {
		new SpringApplicationBuilder(ClaimServiceApplication.class).web(WebApplicationType.NONE).run(args).close();
	}

}
