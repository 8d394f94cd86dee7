package dev.gefyra.oauth2demo.web;

import java.time.Duration;

import dev.gefyra.oauth2demo.support.TestIssuer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A token first presented while the issuer's JWKS is down gets a 503, and a 200 once the
 * JWKS is back (issue 12, item 1): its first verdict is not remembered. The whole chain
 * is real here, the key set included: a stand-in verifier that looks the keys up lazily
 * hid a cache that replayed the first lookup to that token for ever.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "token.jwks-refetch-interval=1s", "token.cache-ttl=60s" })
@AutoConfigureWebTestClient
class JwksRecoveryTests {

	@RegisterExtension
	static final TestIssuer issuer = startedDown();

	private static final String HEADER = "X-Forwarded-Access-Token";

	@Autowired
	private WebTestClient client;

	@Test
	void tokenFirstSeenDuringAJwksOutageShouldPassOnceTheJwksIsBack() {
		String firstSeenDuringOutage = issuer.token();
		assertThat(status(firstSeenDuringOutage)).isEqualTo(503);
		assertThat(status(firstSeenDuringOutage)).as("asked again at once, the JWKS still down").isEqualTo(503);

		issuer.jwksAvailable(true);
		// A token never seen before each time, until the keys have been fetched again.
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(200))
			.untilAsserted(() -> assertThat(status(issuer.token())).isEqualTo(200));
		// Well within token.cache-ttl: a remembered 503 would still be served.
		assertThat(status(firstSeenDuringOutage)).isEqualTo(200);
	}

	private int status(String token) {
		return this.client.get()
			.uri("/items/1")
			.header(HEADER, token)
			.exchange()
			.returnResult(String.class)
			.getStatus()
			.value();
	}

	private static TestIssuer startedDown() {
		TestIssuer started = TestIssuer.start();
		started.jwksAvailable(false);
		return started;
	}

}
