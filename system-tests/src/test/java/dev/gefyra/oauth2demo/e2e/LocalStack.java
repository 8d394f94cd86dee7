package dev.gefyra.oauth2demo.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where the local stack of {@code scripts/demo} listens, and plain HTTP calls to it (no
 * redirects followed, no cookies kept), configured by the environment
 * {@code scripts/test/e2e-local} sets.
 */
final class LocalStack {

	static final String PROXY = env("E2E_PROXY_URL", "http://127.0.0.1:4180");

	static final String KEYCLOAK = env("E2E_KEYCLOAK_URL", "http://127.0.0.1:8180");

	static final String SERVICE = env("E2E_SERVICE_URL", "http://127.0.0.1:8155");

	static final String ISSUER = KEYCLOAK + "/realms/demo";

	static final JsonMapper json = JsonMapper.builder().build();

	private static final HttpClient http = HttpClient.newBuilder()
		.followRedirects(HttpClient.Redirect.NEVER)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private LocalStack() {
	}

	static String env(String name, String fallback) {
		String value = System.getenv(name);
		return (value == null || value.isBlank()) ? fallback : value;
	}

	static String required(String name) {
		String value = System.getenv(name);
		if (value == null || value.isBlank()) {
			throw new IllegalStateException(name + " is not set: run this test through scripts/test/e2e-local");
		}
		return value;
	}

	static HttpResponse<String> get(String url, Map<String, String> headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
		headers.forEach(request::header);
		return send(request.build());
	}

	/**
	 * An access token from Keycloak's token endpoint (direct grant, allowed for the demo
	 * client).
	 */
	static String accessToken(String username, String password) {
		String form = Map
			.of("grant_type", "password", "client_id", "oauth2-demo", "client_secret", required("E2E_CLIENT_SECRET"),
					"username", username, "password", password, "scope", "openid")
			.entrySet()
			.stream()
			.map((entry) -> entry.getKey() + "=" + URLEncoder.encode(entry.getValue(), StandardCharsets.UTF_8))
			.collect(Collectors.joining("&"));
		HttpResponse<String> response = send(
				HttpRequest.newBuilder(URI.create(ISSUER + "/protocol/openid-connect/token"))
					.timeout(Duration.ofSeconds(10))
					.header("Content-Type", "application/x-www-form-urlencoded")
					.POST(HttpRequest.BodyPublishers.ofString(form))
					.build());
		if (response.statusCode() != 200) {
			throw new IllegalStateException(
					"token request for " + username + " failed: " + response.statusCode() + " " + response.body());
		}
		return json.readTree(response.body()).path("access_token").asString();
	}

	static JsonNode parse(String body) {
		return json.readTree(body);
	}

	private static HttpResponse<String> send(HttpRequest request) {
		try {
			return http.send(request, HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new IllegalStateException(request.uri() + " unreachable: is the local stack running?", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
