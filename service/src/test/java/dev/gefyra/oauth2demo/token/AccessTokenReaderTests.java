package dev.gefyra.oauth2demo.token;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.util.Base64URL;
import dev.gefyra.oauth2demo.support.TestIssuer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.reactive.function.server.MockServerRequest;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The reader with its real collaborators (the decoders, the issuer's key set, the cache
 * of verified tokens), against a JWKS served on loopback.
 */
class AccessTokenReaderTests {

	private static final String HEADER = "X-Forwarded-Access-Token";

	private final TestIssuer issuer = TestIssuer.start();

	@AfterEach
	void stopIssuer() {
		this.issuer.close();
	}

	@Test
	void tokenOfARemovedKeyShouldBeRefusedOnceItsCacheEntryAndTheKeysHaveExpired() {
		TokenProperties properties = properties(this.issuer.jwkSetUri(), Duration.ofSeconds(1), Duration.ofSeconds(1));
		AccessTokenReader reader = reader(AccessTokenDecoders.verifyingDecoder(properties), properties);
		String token = this.issuer.token();
		assertThat(claims(reader, token)).containsEntry("email", "john@gefyra.dev");

		this.issuer.rotateKey();
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(100))
			.untilAsserted(() -> assertThatExceptionOfType(InvalidAccessTokenException.class)
				.isThrownBy(() -> claims(reader, token))
				.withMessageContaining("no RS256 key with kid"));
	}

	/**
	 * Issue 24, item 4: with no request in between (probes carry no token), the first one
	 * after the keys' and the cache entry's time to live must find the key gone, not pass
	 * on the keys held and have that verdict remembered.
	 */
	@Test
	void tokenOfARemovedKeyShouldBeRefusedAtOnceAfterAnIdlePeriod() throws InterruptedException {
		Duration jwksTtl = Duration.ofSeconds(1);
		Duration cacheTtl = Duration.ofSeconds(1);
		TokenProperties properties = properties(this.issuer.jwkSetUri(), jwksTtl, cacheTtl);
		AccessTokenReader reader = reader(AccessTokenDecoders.verifyingDecoder(properties), properties);
		String token = this.issuer.token();
		assertThat(claims(reader, token)).containsEntry("email", "john@gefyra.dev");

		this.issuer.rotateKey();
		Thread.sleep(jwksTtl.plus(cacheTtl).toMillis());
		assertThatExceptionOfType(InvalidAccessTokenException.class).isThrownBy(() -> claims(reader, token))
			.withMessageContaining("no RS256 key with kid");
	}

	@Test
	void noneModeShouldRefuseATokenWhosePayloadIsNotAClaimsSet() {
		TokenProperties properties = properties(null, Duration.ofMinutes(5), Duration.ofSeconds(60));
		AccessTokenReader reader = reader(AccessTokenDecoders.decodeOnlyDecoder("127.0.0.1"), properties);
		String notJson = Base64URL.encode("{\"alg\":\"RS256\"}") + "." + Base64URL.encode("not json") + ".c2ln";
		assertThatExceptionOfType(InvalidAccessTokenException.class).isThrownBy(() -> claims(reader, notJson))
			.withMessageStartingWith("The token's payload is not a JSON claims set");
	}

	/** Wired as the application context wires it, around the given decoder. */
	private static AccessTokenReader reader(ReactiveJwtDecoder decoder, TokenProperties properties) {
		AccessTokenConfiguration configuration = new AccessTokenConfiguration();
		return new AccessTokenReader(
				configuration.verifiedTokenCache(properties, configuration.accessTokenVerifier(decoder)), properties);
	}

	private static Map<String, Object> claims(AccessTokenReader reader, String token) {
		return reader.claims(MockServerRequest.builder().header(HEADER, token).build()).block(Duration.ofSeconds(10));
	}

	private static TokenProperties properties(@Nullable URI jwkSetUri, Duration jwksTtl, Duration cacheTtl) {
		TokenVerification verification = (jwkSetUri != null) ? TokenVerification.JWKS : TokenVerification.NONE;
		return new TokenProperties(HEADER, verification, jwkSetUri, TestIssuer.ISSUER, TestIssuer.AUDIENCE,
				Duration.ofSeconds(30), List.of(SignatureAlgorithm.RS256), Duration.ofSeconds(5), jwksTtl,
				Duration.ZERO, 100, DataSize.ofMegabytes(1), cacheTtl);
	}

}
