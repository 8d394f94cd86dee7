package dev.gefyra.oauth2demo.reload;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import dev.gefyra.oauth2demo.claims.ClaimMapping;
import dev.gefyra.oauth2demo.claims.FieldMapping;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class ActiveClaimMappingTests {

	private final Map<String, Object> configMap = new HashMap<>(
			Map.of("claims.mapping[0].field", "Email", "claims.mapping[0].claim", "email"));

	private final StandardEnvironment environment = new StandardEnvironment();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	ActiveClaimMappingTests() {
		this.environment.getPropertySources().addFirst(new MapPropertySource("configmap", this.configMap));
	}

	@Test
	void startShouldServeConfiguredMappingAsRevisionOne() {
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters);
		assertThat(active.snapshot().revision()).isEqualTo(1);
		assertThat(active.snapshot().mapping()).isEqualTo(ClaimMapping.DEFAULT);
		assertThat(active.lastRejection()).isNull();
	}

	@Test
	void changeShouldBeServedAsNextRevision() {
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters);
		this.configMap.put("claims.mapping[0].field", "Mail");
		refresh(active);
		assertThat(active.snapshot().revision()).isEqualTo(2);
		assertThat(active.snapshot().mapping().apply(Map.of("email", "x"))).containsExactly(Map.entry("Mail", "x"));
		assertThat(this.meters.counter("claims.mapping.reloads").count()).isEqualTo(1);
		assertThat(this.meters.get("claims.mapping.revision").gauge().value()).isEqualTo(2);
	}

	@Test
	void refreshWithoutChangeShouldKeepRevision() {
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters);
		ClaimMappingSnapshot before = active.snapshot();
		refresh(active);
		assertThat(active.snapshot()).isSameAs(before);
		assertThat(this.meters.counter("claims.mapping.reloads").count()).isZero();
	}

	@Test
	void invalidChangeShouldKeepLastGoodMappingAndBeReported() {
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters);
		this.configMap.put("claims.mapping[0].claim", "realm_access..roles");
		refresh(active);
		refresh(active);
		assertThat(active.snapshot().revision()).isEqualTo(1);
		assertThat(active.snapshot().mapping()).isEqualTo(ClaimMapping.DEFAULT);
		assertThat(active.lastRejection()).isNotNull();
		assertThat(active.lastRejection().error()).contains("empty segment");
		assertThat(active.lastRejection().settings().mapping())
			.containsExactly(new FieldMapping("Email", "realm_access..roles"));
		assertThat(this.meters.counter("claims.mapping.rejects").count()).as("the same error counts once").isEqualTo(1);
		this.configMap.put("claims.mapping[0].claim", "mail");
		refresh(active);
		assertThat(active.snapshot().revision()).isEqualTo(2);
	}

	@Test
	void invalidMappingAtStartShouldServeBuiltInDefault() {
		this.configMap.put("claims.mapping[0].field", "");
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters);
		assertThat(active.snapshot().mapping()).isEqualTo(ClaimMapping.DEFAULT);
		assertThat(active.lastRejection().error()).contains("claims.mapping[0].field is empty");
	}

	@Test
	void noMappingAtStartShouldServeTheBuiltInOneWithoutRejection() {
		this.configMap.clear();
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters);
		assertThat(active.snapshot().mapping()).isSameAs(ClaimMapping.DEFAULT);
		refresh(active);
		assertThat(active.lastRejection()).isNull();
		assertThat(this.meters.counter("claims.mapping.rejects").count()).isZero();
	}

	@Test
	void configuredMappingThatDisappearsShouldBeKeptAndTheRemovalRejected() {
		this.configMap.put("claims.mapping[0].field", "Mail");
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters);
		this.configMap.clear();
		refresh(active);
		assertThat(active.snapshot().revision()).isEqualTo(1);
		assertThat(active.snapshot().mapping().apply(Map.of("email", "x"))).containsExactly(Map.entry("Mail", "x"));
		assertThat(active.lastRejection().error()).startsWith("claims.mapping is no longer set");
		assertThat(this.meters.counter("claims.mapping.rejects").count()).isEqualTo(1);

		this.configMap.putAll(Map.of("claims.mapping[0].field", "Email", "claims.mapping[0].claim", "email"));
		refresh(active);
		assertThat(active.snapshot().revision()).isEqualTo(2);
		assertThat(active.snapshot().mapping()).isEqualTo(ClaimMapping.DEFAULT);
	}

	@Test
	void emptyMappingShouldBeRejectedNotTakenForAbsent() {
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters);
		this.configMap.clear();
		this.configMap.put("claims.mapping", "");
		refresh(active);
		assertThat(active.lastRejection().error()).contains("claims.mapping lists no field");
	}

	private void refresh(ActiveClaimMapping active) {
		active.onEnvironmentChange(new EnvironmentChangeEvent(Set.of("claims.mapping[0].field")));
	}

}
