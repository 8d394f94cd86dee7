package dev.gefyra.oauth2demo.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import dev.gefyra.oauth2demo.ClaimServiceApplication;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A key rotation in the real Keycloak, followed by a running service without a restart:
 * an admin adds a signing key that takes precedence, so new tokens name a new {@code kid}
 * and are accepted after one JWKS refetch while older tokens keep passing; then the key
 * is removed, and tokens it signed are refused once the service has refreshed its keys.
 * This service instance refreshes every few seconds instead of every 5 minutes, so the
 * test does not wait that long.
 */
class KeycloakKeyRotationIT {

	private static final Duration JWKS_TTL = Duration.ofSeconds(3);

	@Test
	void rotatedKeyShouldBeAcceptedAndARemovedOneRefused() throws Exception {
		try (ConfigurableApplicationContext service = new SpringApplicationBuilder(ClaimServiceApplication.class)
			.web(WebApplicationType.REACTIVE)
			.run("--server.port=0", "--management.server.port=0", "--management.server.address=127.0.0.1",
					"--token.jwk-set-uri=" + LocalStack.ISSUER + "/protocol/openid-connect/certs",
					"--token.issuer=" + LocalStack.ISSUER, "--token.jwks-ttl=" + JWKS_TTL.toSeconds() + "s",
					"--token.jwks-refetch-interval=1s", "--token.cache-ttl=1s")) {
			String item = "http://127.0.0.1:" + service.getEnvironment().getProperty("local.server.port") + "/items/1";
			String before = LocalStack.accessToken("jane@gefyra.dev", "jane@gefyra.dev");
			assertThat(status(item, before)).isEqualTo(200);

			KeycloakAdmin admin = KeycloakAdmin.signIn();
			String keyProvider = addSigningKey(admin);
			String after;
			try {
				after = LocalStack.accessToken("jane@gefyra.dev", "jane@gefyra.dev");
				assertThat(keyId(after)).as("the token names the new key").isNotEqualTo(keyId(before));
				await().atMost(Duration.ofSeconds(10))
					.pollInterval(Duration.ofMillis(500))
					.untilAsserted(() -> assertThat(status(item, after)).isEqualTo(200));
				assertThat(status(item, before)).as("the older key still verifies").isEqualTo(200);
			}
			finally {
				removeSigningKey(admin, keyProvider);
			}
			await().atMost(JWKS_TTL.multipliedBy(3).plusSeconds(10))
				.pollInterval(Duration.ofMillis(500))
				.untilAsserted(() -> assertThat(status(item, after)).isEqualTo(401));
			HttpResponse<String> refused = LocalStack.get(item, Map.of("X-Forwarded-Access-Token", after));
			assertThat(LocalStack.parse(refused.body()).path("detail").asString())
				.contains("kid '" + keyId(after) + "'");
			assertThat(status(item, before)).isEqualTo(200);
		}
	}

	private static int status(String url, String token) {
		return LocalStack.get(url, Map.of("X-Forwarded-Access-Token", token)).statusCode();
	}

	private static String keyId(String token) {
		String header = new String(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
				StandardCharsets.UTF_8);
		return LocalStack.parse(header).path("kid").asString();
	}

	/**
	 * Adds an RSA key provider above the realm's own, as an admin rotating keys does.
	 * @return the provider's component id
	 */
	private static String addSigningKey(KeycloakAdmin admin) throws IOException, InterruptedException {
		String realmId = admin.realm().path("id").asString();
		String component = """
				{"name": "rotation-%s", "providerId": "rsa-generated",
				 "providerType": "org.keycloak.keys.KeyProvider", "parentId": "%s",
				 "config": {"priority": ["1000"], "keySize": ["2048"], "algorithm": ["RS256"],
				            "active": ["true"], "enabled": ["true"]}}
				""".formatted(UUID.randomUUID(), realmId);
		HttpResponse<String> created = admin
			.send(HttpRequest.newBuilder(URI.create(KeycloakAdmin.REALM + "/components"))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(component)));
		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		String location = created.headers().firstValue("Location").orElseThrow();
		return location.substring(location.lastIndexOf('/') + 1);
	}

	private static void removeSigningKey(KeycloakAdmin admin, String component)
			throws IOException, InterruptedException {
		HttpResponse<String> deleted = admin
			.send(HttpRequest.newBuilder(URI.create(KeycloakAdmin.REALM + "/components/" + component)).DELETE());
		assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
	}

}
