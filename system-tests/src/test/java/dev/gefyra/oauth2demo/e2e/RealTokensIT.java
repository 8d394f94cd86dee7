package dev.gefyra.oauth2demo.e2e;

import java.net.http.HttpResponse;
import java.util.Map;

import dev.gefyra.oauth2demo.ClaimServiceApplication;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tokens from the real Keycloak, sent straight to the service: the second demo user gets
 * their own values, nested and list claims included; a token re-signed by another key is
 * refused.
 */
class RealTokensIT {

	@Test
	void secondUserShouldGetOwnMappedValuesIncludingNestedAndListClaims() {
		String token = LocalStack.accessToken("jane@gefyra.dev", "jane@gefyra.dev");
		// The demo's service serves the shipped mapping (Email only); this instance maps
		// more, against
		// the same Keycloak.
		try (ConfigurableApplicationContext service = new SpringApplicationBuilder(ClaimServiceApplication.class)
			.web(WebApplicationType.REACTIVE)
			.run("--server.port=0", "--management.server.port=0", "--management.server.address=127.0.0.1",
					"--token.jwk-set-uri=" + LocalStack.ISSUER + "/protocol/openid-connect/certs",
					"--token.issuer=" + LocalStack.ISSUER, "--claims.mapping[0].field=Email",
					"--claims.mapping[0].claim=email", "--claims.mapping[1].field=roles",
					"--claims.mapping[1].claim=realm_access.roles", "--claims.mapping[2].field=groups",
					"--claims.mapping[2].claim=groups", "--claims.mapping[3].field=user",
					"--claims.mapping[3].claim=preferred_username")) {
			String url = "http://127.0.0.1:" + service.getEnvironment().getProperty("local.server.port") + "/items/7";
			HttpResponse<String> response = LocalStack.get(url, Map.of("X-Forwarded-Access-Token", token));
			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
			JsonNode item = LocalStack.parse(response.body());
			assertThat(item.path("item_id").asInt()).isEqualTo(7);
			assertThat(item.path("Email").asString()).isEqualTo("jane.doe@gefyra.dev");
			assertThat(item.path("roles").toString()).contains("\"demo-admin\"");
			assertThat(item.path("groups").toString()).isEqualTo("[\"engineering\"]");
			assertThat(item.path("user").asString()).isEqualTo("jane@gefyra.dev");
		}
	}

	@Test
	void firstUserThroughTheDemoServiceShouldGetTheShippedMapping() {
		String token = LocalStack.accessToken("john@gefyra.dev", "john@gefyra.dev");
		HttpResponse<String> response = LocalStack.get(LocalStack.SERVICE + "/items/123",
				Map.of("X-Forwarded-Access-Token", token));
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(LocalStack.parse(response.body()))
			.isEqualTo(LocalStack.parse("{\"item_id\":123,\"Email\":\"john@gefyra.dev\"}"));
	}

	@Test
	void tokenResignedByAnotherKeyShouldBeRefusedByTheService() {
		String forged = ForgedTokens
			.resignedWithAnotherKey(LocalStack.accessToken("john@gefyra.dev", "john@gefyra.dev"), "admin@gefyra.dev");
		HttpResponse<String> response = LocalStack.get(LocalStack.SERVICE + "/items/123",
				Map.of("X-Forwarded-Access-Token", forged));
		assertThat(response.statusCode()).isEqualTo(401);
		assertThat(response.headers().firstValue("WWW-Authenticate"))
			.hasValueSatisfying((value) -> assertThat(value).startsWith("Bearer error=\"invalid_token\""));
		assertThat(response.body()).doesNotContain("admin@gefyra.dev");
	}

	@Test
	void unsignedTokenShouldBeRefusedByTheService() {
		HttpResponse<String> response = LocalStack.get(LocalStack.SERVICE + "/items/123",
				Map.of("X-Forwarded-Access-Token", ForgedTokens.unsignedFor("admin@gefyra.dev")));
		assertThat(response.statusCode()).isEqualTo(401);
	}

}
