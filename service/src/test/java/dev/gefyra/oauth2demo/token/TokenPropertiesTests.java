package dev.gefyra.oauth2demo.token;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;

class TokenPropertiesTests {

	@ParameterizedTest
	@ValueSource(strings = { "X-Auth-Request-Access-Token", "x-auth-request-email" })
	void headerTheProxyPassesOnAsSentShouldBeRefused(String header) {
		assertThatIllegalArgumentException().isThrownBy(() -> properties(header))
			.withMessageContaining("passes a client's value on as sent");
	}

	@ParameterizedTest
	@ValueSource(strings = { "X-Forwarded-Access-Token", "x-forwarded-access-token", "Authorization" })
	void headerTheProxySetsItselfShouldBeAccepted(String header) {
		assertThatNoException().isThrownBy(() -> properties(header));
	}

	@Test
	void refetchIntervalLongerThanTheKeysTtlShouldBeRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TokenProperties("X-Forwarded-Access-Token", TokenVerification.JWKS,
					URI.create("http://127.0.0.1/jwks"), "http://issuer", "oauth2-demo", Duration.ofSeconds(30),
					List.of(SignatureAlgorithm.RS256), Duration.ofSeconds(5), Duration.ofSeconds(3),
					Duration.ofSeconds(10), 10, DataSize.ofMegabytes(1), Duration.ofSeconds(60)))
			.withMessageContaining("token.jwks-refetch-interval (PT10S) must not exceed token.jwks-ttl (PT3S)");
	}

	@Test
	void boundWithoutSettingsButTheIssuerShouldUseTheDocumentedDefaults() {
		TokenProperties bound = new Binder(new MapConfigurationPropertySource(
				Map.of("token.jwk-set-uri", "http://keycloak:8080/jwks", "token.issuer", "http://issuer")))
			.bindOrCreate("token", TokenProperties.class);
		assertThat(bound.header()).isEqualTo("X-Forwarded-Access-Token");
		assertThat(bound.verification()).isEqualTo(TokenVerification.JWKS);
		assertThat(bound.audience()).isEqualTo("oauth2-demo");
		assertThat(bound.algorithms()).containsExactly(SignatureAlgorithm.RS256);
		assertThat(bound.cacheSize()).isEqualTo(10_000);
		assertThat(bound.cacheMemory()).isEqualTo(DataSize.ofMegabytes(32));
	}

	private static TokenProperties properties(String header) {
		return new TokenProperties(header, TokenVerification.JWKS, URI.create("http://127.0.0.1/jwks"), "http://issuer",
				"oauth2-demo", Duration.ofSeconds(30), List.of(SignatureAlgorithm.RS256), Duration.ofSeconds(5),
				Duration.ofMinutes(5), Duration.ofSeconds(10), 10, DataSize.ofMegabytes(1), Duration.ofSeconds(60));
	}

}
