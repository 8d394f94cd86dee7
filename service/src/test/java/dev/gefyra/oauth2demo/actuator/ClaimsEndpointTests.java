package dev.gefyra.oauth2demo.actuator;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.gefyra.oauth2demo.reload.ActiveClaimMapping;
import dev.gefyra.oauth2demo.support.ExpectedLogs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The management port: probes, Prometheus metrics and {@code /actuator/claims}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "token.verification=none", "claims.mapping[0].field=Mail",
				"claims.mapping[0].claim=email", "claims.mapping[1].field=roles",
				"claims.mapping[1].claim=realm_access.roles", "claims.missing=-" })
@DirtiesContext
class ClaimsEndpointTests {

	@RegisterExtension
	final ExpectedLogs logs = new ExpectedLogs();

	@LocalManagementPort
	private int managementPort;

	@Autowired
	private ConfigurableEnvironment environment;

	@Autowired
	private ActiveClaimMapping activeMapping;

	private WebTestClient management() {
		return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + this.managementPort).build();
	}

	private WebTestClient.BodyContentSpec managementGet(String uri) {
		return management().get().uri(uri).exchange().expectStatus().isOk().expectBody();
	}

	@ParameterizedTest
	@ValueSource(strings = { "/actuator/health/liveness", "/actuator/health/readiness" })
	void probesShouldBeUp(String probe) {
		managementGet(probe).jsonPath("$.status").isEqualTo("UP");
	}

	@Test
	void claimsEndpointShouldShowActiveMappingThenRejection() {
		managementGet("/actuator/claims").jsonPath("$.mapping")
			.isEqualTo(List.of(Map.of("field", "Mail", "claim", "email"),
					Map.of("field", "roles", "claim", "realm_access.roles")))
			.jsonPath("$.missing")
			.isEqualTo("-")
			.jsonPath("$.revision")
			.isEqualTo(1)
			.jsonPath("$.loadedAt")
			.isNotEmpty();
		this.logs.expect(ActiveClaimMapping.class, "Claim mapping rejected, still serving revision 1: "
				+ "claims.mapping[0].claim: claim path 'email.' has an empty segment");
		this.environment.getPropertySources()
			.addFirst(new MapPropertySource("broken-configmap",
					Map.of("claims.mapping[0].field", "Mail", "claims.mapping[0].claim", "email.")));
		this.activeMapping.onEnvironmentChange(new EnvironmentChangeEvent(Set.of("claims.mapping[0].claim")));
		managementGet("/actuator/claims").jsonPath("$.revision")
			.isEqualTo(1)
			.jsonPath("$.mapping[0].claim")
			.isEqualTo("email")
			.jsonPath("$.lastRejected.error")
			.value((String error) -> assertThat(error).contains("empty segment"))
			.jsonPath("$.lastRejected.settings.mapping[0].claim")
			.isEqualTo("email.")
			.jsonPath("$.lastRejected.rejectedAt")
			.isNotEmpty();
	}

	@Test
	void prometheusShouldExposeTheMappingMetrics() {
		management().get()
			.uri("/actuator/prometheus")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((metrics) -> assertThat(metrics).contains("claims_mapping_rejects_total")
				.contains("claims_mapping_reloads_total")
				.containsPattern("(?m)^claims_mapping_revision\\{[^}]*\\} 1\\.0$"));
	}

	@Test
	void managementPortShouldServeNoBusinessRoutes() {
		management().get().uri("/items/1").exchange().expectStatus().isNotFound();
	}

}
