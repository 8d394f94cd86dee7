package dev.gefyra.oauth2demo.web;

import java.io.IOException;
import java.net.ServerSocket;

import dev.gefyra.oauth2demo.support.TestIssuer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * When the issuer's JWKS cannot be fetched the request fails fast with a 503 problem, not
 * a 401 (the client did nothing wrong) and not a 500.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "token.jwks-timeout=2s")
@AutoConfigureWebTestClient
class JwksOutageTests {

	private static final TestIssuer issuer = TestIssuer.start();

	@Autowired
	private WebTestClient client;

	@DynamicPropertySource
	static void unreachableJwks(DynamicPropertyRegistry registry) throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		registry.add("token.jwk-set-uri", () -> "http://127.0.0.1:" + closedPort + "/jwks");
		registry.add("token.issuer", () -> TestIssuer.ISSUER);
	}

	@Test
	void unreachableJwksShouldBeServiceUnavailableProblem() {
		this.client.get()
			.uri("/items/1")
			.header("X-Forwarded-Access-Token", issuer.token())
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.title")
			.isEqualTo("Token verification unavailable");
	}

	@Test
	void requestWithoutTokenShouldNotNeedTheJwks() {
		this.client.get()
			.uri("/items/1")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.Email")
			.isEqualTo("not given");
	}

}
