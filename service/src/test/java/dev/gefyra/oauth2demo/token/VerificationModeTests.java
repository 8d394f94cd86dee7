package dev.gefyra.oauth2demo.token;

import dev.gefyra.oauth2demo.ClaimServiceApplication;
import dev.gefyra.oauth2demo.support.TestIssuer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.NestedExceptionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Start-up decisions about token verification: what the service refuses to run with, and
 * what decode-only mode still checks.
 */
class VerificationModeTests {

	@Test
	void noneModeShouldRefuseToStartOnNonLoopbackAddress() {
		assertThatException().isThrownBy(() -> start("--token.verification=none", "--server.address=0.0.0.0"))
			.satisfies((ex) -> assertThat(NestedExceptionUtils.getMostSpecificCause(ex))
				.isInstanceOf(InsecureVerificationModeException.class)
				.hasMessageContaining("allowed only when server.address is a loopback address"));
	}

	@Test
	void jwksModeShouldRefuseToStartWithoutIssuerSettings() {
		assertThatException().isThrownBy(() -> start("--token.verification=jwks"))
			.satisfies((ex) -> assertThat(NestedExceptionUtils.getMostSpecificCause(ex))
				.hasMessageContaining("needs token.jwk-set-uri and token.issuer"));
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

	@Test
	void noneModeShouldAcceptIpv6Loopback() {
		assertThat(AccessTokenDecoders.decodeOnlyDecoder("::1")).isNotNull();
	}

	/**
	 * Command-line arguments, since they outrank application.yaml (builder properties do
	 * not).
	 */
	private static void start(String... args) {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(ClaimServiceApplication.class)
			.web(WebApplicationType.NONE)
			.run(args)) {
			assertThat(context.isActive()).isFalse();
		}
	}

}
