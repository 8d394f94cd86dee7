package dev.gefyra.oauth2demo.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keycloak's admin REST API on the local stack, as the bootstrap admin of
 * {@code scripts/demo}'s Keycloak (dev mode, admin/admin), for tests that change the demo
 * realm for a while.
 */
final class KeycloakAdmin {

	static final String REALM = LocalStack.KEYCLOAK + "/admin/realms/demo";

	// HTTP/1.1: no h2c upgrade, which an ingress in between may not complete.
	private static final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private final String token;

	private KeycloakAdmin(String token) {
		this.token = token;
	}

	static KeycloakAdmin signIn() throws IOException, InterruptedException {
		String form = "grant_type=password&client_id=admin-cli&username="
				+ URLEncoder.encode(LocalStack.env("E2E_KEYCLOAK_ADMIN", "admin"), StandardCharsets.UTF_8)
				+ "&password="
				+ URLEncoder.encode(LocalStack.env("E2E_KEYCLOAK_ADMIN_PASSWORD", "admin"), StandardCharsets.UTF_8);
		HttpResponse<String> response = http.send(
				HttpRequest.newBuilder(URI.create(LocalStack.KEYCLOAK + "/realms/master/protocol/openid-connect/token"))
					.timeout(Duration.ofSeconds(10))
					.header("Content-Type", "application/x-www-form-urlencoded")
					.POST(HttpRequest.BodyPublishers.ofString(form))
					.build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return new KeycloakAdmin(LocalStack.parse(response.body()).path("access_token").asString());
	}

	/** The demo realm as Keycloak applies it, defaults included. */
	JsonNode realm() throws IOException, InterruptedException {
		HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(REALM)).GET());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return LocalStack.parse(response.body());
	}

	/** Sets one setting of the demo realm; the others stay as they are. */
	void updateRealm(String setting, long value) throws IOException, InterruptedException {
		String body = LocalStack.json.writeValueAsString(LocalStack.json.createObjectNode().put(setting, value));
		HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(REALM))
			.header("Content-Type", "application/json")
			.PUT(HttpRequest.BodyPublishers.ofString(body)));
		assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
	}

	/** The demo realm's user of that exact name, as Keycloak stores it (id, created). */
	JsonNode user(String username) throws IOException, InterruptedException {
		HttpResponse<String> response = send(HttpRequest
			.newBuilder(URI
				.create(REALM + "/users?exact=true&username=" + URLEncoder.encode(username, StandardCharsets.UTF_8)))
			.GET());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		JsonNode users = LocalStack.parse(response.body());
		assertThat(users.size()).as("users named %s: %s", username, users).isEqualTo(1);
		return users.get(0);
	}

	HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
		return http.send(
				request.header("Authorization", "Bearer " + this.token).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

}
