package dev.gefyra.oauth2demo.reload;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.gefyra.oauth2demo.claims.ClaimMapping;
import dev.gefyra.oauth2demo.claims.ConfiguredField;
import dev.gefyra.oauth2demo.support.ExpectedLogs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mapping served before and after refreshes, with a configured mapping unlike the
 * built-in one ({@code Email <- email}), so that serving it is never mistaken for the
 * fallback.
 */
class ActiveClaimMappingTests {

	private static final Map<String, Object> CLAIMS = Map.of("email", "john@gefyra.dev", "preferred_username", "john");

	@RegisterExtension
	final ExpectedLogs logs = new ExpectedLogs();

	private final Map<String, Object> configMap = new HashMap<>(
			Map.of("claims.mapping[0].field", "Mail", "claims.mapping[0].claim", "email", "claims.mapping[1].field",
					"user", "claims.mapping[1].claim", "preferred_username", "claims.missing", "-"));

	private final StandardEnvironment environment = new StandardEnvironment();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final List<Object> published = new ArrayList<>();

	ActiveClaimMappingTests() {
		this.environment.getPropertySources().addFirst(new MapPropertySource("configmap", this.configMap));
	}

	@Test
	void startShouldServeConfiguredMappingAsRevisionOne() {
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters, this.published::add);
		assertThat(active.snapshot().revision()).isEqualTo(1);
		assertThat(active.snapshot().mapping().apply(CLAIMS)).containsExactly(Map.entry("Mail", "john@gefyra.dev"),
				Map.entry("user", "john"));
		assertThat(active.snapshot().mapping().missing()).isEqualTo("-");
		assertThat(active.lastRejection()).isNull();
	}

	@Test
	void changeShouldBeServedAsNextRevision() {
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters, this.published::add);
		this.configMap.put("claims.mapping[0].field", "Address");
		refresh(active);
		assertThat(active.snapshot().revision()).isEqualTo(2);
		assertThat(active.snapshot().mapping().apply(CLAIMS)).containsExactly(Map.entry("Address", "john@gefyra.dev"),
				Map.entry("user", "john"));
		assertThat(this.meters.counter("claims.mapping.reloads").count()).isEqualTo(1);
		assertThat(this.meters.get("claims.mapping.revision").gauge().value()).isEqualTo(2);
		assertThat(this.published).singleElement()
			.isInstanceOfSatisfying(ClaimMappingServed.class,
					(served) -> assertThat(served.snapshot()).isSameAs(active.snapshot()));
	}

	@Test
	void refreshWithoutChangeShouldKeepRevision() {
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters, this.published::add);
		ClaimMappingSnapshot before = active.snapshot();
		refresh(active);
		assertThat(active.snapshot()).isSameAs(before);
		assertThat(this.meters.counter("claims.mapping.reloads").count()).isZero();
	}

	@Test
	void invalidChangeShouldKeepLastGoodMappingAndBeReportedOnce() {
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters, this.published::add);
		ClaimMapping configured = active.snapshot().mapping();
		this.logs.expect(ActiveClaimMapping.class, "Claim mapping rejected, still serving revision 1: "
				+ "claims.mapping[0].claim: claim path 'realm_access..roles' has an empty segment");
		this.configMap.put("claims.mapping[0].claim", "realm_access..roles");
		refresh(active);
		refresh(active);
		assertThat(active.snapshot().revision()).isEqualTo(1);
		assertThat(active.snapshot().mapping()).isSameAs(configured);
		assertThat(active.lastRejection()).isNotNull();
		assertThat(active.lastRejection().error()).contains("empty segment");
		assertThat(active.lastRejection().settings().mapping()).containsExactly(
				new ConfiguredField("Mail", "realm_access..roles"), new ConfiguredField("user", "preferred_username"));
		assertThat(this.meters.counter("claims.mapping.rejects").count()).as("the same error counts once").isEqualTo(1);
		assertThat(this.logs.messages(ActiveClaimMapping.class)).as("the same error is logged once").hasSize(1);
		assertThat(this.published).as("the same error is published once")
			.singleElement()
			.isInstanceOfSatisfying(ClaimMappingRefused.class, (refused) -> {
				assertThat(refused.rejection().error()).contains("empty segment");
				assertThat(refused.served().revision()).isEqualTo(1);
			});
		assertThat(active.standingRejection()).isSameAs(active.lastRejection());
		assertThat(this.meters.get("claims.mapping.refused.since").gauge().value())
			.isEqualTo(active.lastRejection().rejectedAt().getEpochSecond())
			.isPositive();

		this.configMap.put("claims.mapping[0].claim", "email_address");
		refresh(active);
		assertThat(active.snapshot().revision()).isEqualTo(2);
		assertThat(active.snapshot().mapping().apply(Map.of("email_address", "j@x"))).containsEntry("Mail", "j@x");
		assertThat(active.standingRejection()).as("taken since").isNull();
		assertThat(active.lastRejection()).as("still readable").isNotNull();
		assertThat(this.meters.get("claims.mapping.refused.since").gauge().value()).isZero();
		assertThat(this.published).last().isInstanceOf(ClaimMappingServed.class);
	}

	@Test
	void invalidMappingAtStartShouldServeBuiltInDefault() {
		this.logs.expect(ActiveClaimMapping.class,
				"Claim mapping rejected, still serving revision built-in: claims.mapping[0].field is empty");
		this.logs.expect(ActiveClaimMapping.class,
				"Serving the built-in claim mapping [Email <- email] until a valid one is configured");
		this.configMap.put("claims.mapping[0].field", "");
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters, this.published::add);
		assertThat(active.snapshot().mapping()).isSameAs(ClaimMapping.DEFAULT);
		assertThat(active.lastRejection().error()).contains("claims.mapping[0].field is empty");
		assertThat(active.standingRejection()).isNotNull();
		assertThat(this.published).as("reported once the application is ready, not while it starts").isEmpty();
	}

	@Test
	void noMappingAtStartShouldServeTheBuiltInOneWithoutRejection() {
		this.configMap.clear();
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters, this.published::add);
		assertThat(active.snapshot().mapping()).isSameAs(ClaimMapping.DEFAULT);
		refresh(active);
		assertThat(active.lastRejection()).isNull();
		assertThat(this.meters.counter("claims.mapping.rejects").count()).isZero();
	}

	@Test
	void configuredMappingThatDisappearsShouldBeKeptAndTheRemovalRejected() {
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters, this.published::add);
		this.logs.expect(ActiveClaimMapping.class,
				"Claim mapping rejected, still serving revision 1: claims.mapping is no longer set");
		this.configMap.clear();
		refresh(active);
		assertThat(active.snapshot().revision()).isEqualTo(1);
		assertThat(active.snapshot().mapping().apply(CLAIMS)).containsExactly(Map.entry("Mail", "john@gefyra.dev"),
				Map.entry("user", "john"));
		assertThat(active.lastRejection().error()).startsWith("claims.mapping is no longer set");
		assertThat(this.meters.counter("claims.mapping.rejects").count()).isEqualTo(1);

		this.configMap.putAll(Map.of("claims.mapping[0].field", "Email", "claims.mapping[0].claim", "email"));
		refresh(active);
		assertThat(active.snapshot().revision()).as("the built-in mapping, written explicitly").isEqualTo(2);
		assertThat(active.snapshot().mapping()).isEqualTo(ClaimMapping.DEFAULT);
	}

	@Test
	void emptyMappingShouldBeRejectedNotTakenForAbsent() {
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters, this.published::add);
		this.logs.expect(ActiveClaimMapping.class,
				"Claim mapping rejected, still serving revision 1: claims.mapping lists no field");
		this.configMap.clear();
		this.configMap.put("claims.mapping", "");
		refresh(active);
		assertThat(active.lastRejection().error()).isEqualTo("claims.mapping lists no field");
		assertThat(active.snapshot().mapping().fields()).extracting(ClaimMapping.ValidatedField::name)
			.isEqualTo(List.of("Mail", "user"));
	}

	@Test
	void unreadableSettingsShouldBeRefusedLikeInvalidOnesUntilTheServedOnesAreBack() {
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters, this.published::add);
		ClaimMappingSnapshot served = active.snapshot();
		String error = "application.yaml is not valid YAML, so none of it is applied: while parsing a flow node";
		this.logs.expect(ActiveClaimMapping.class, "Claim mapping rejected, still serving revision 1: " + error);
		active.refuseUnreadable(error);
		active.refuseUnreadable(error);
		assertThat(active.snapshot()).isSameAs(served);
		assertThat(active.standingRejection()).isNotNull()
			.satisfies((rejection) -> assertThat(rejection.error()).isEqualTo(error))
			.satisfies((rejection) -> assertThat(rejection.settings()).as("none could be read").isNull());
		assertThat(this.meters.counter("claims.mapping.rejects").count()).as("the same error counts once").isEqualTo(1);
		assertThat(this.meters.get("claims.mapping.refused.since").gauge().value()).isPositive();
		assertThat(this.published).singleElement()
			.isInstanceOfSatisfying(ClaimMappingRefused.class,
					(refused) -> assertThat(refused.served()).isSameAs(served));

		// The environment never changed: the settings put back are the ones served.
		active.recheck();
		assertThat(active.snapshot()).as("the same revision").isSameAs(served);
		assertThat(active.standingRejection()).isNull();
		assertThat(this.meters.get("claims.mapping.refused.since").gauge().value()).isZero();
		assertThat(this.published).hasSize(2)
			.last()
			.isInstanceOfSatisfying(ClaimMappingServed.class, (taken) -> assertThat(taken.snapshot()).isSameAs(served));

		active.recheck();
		assertThat(this.published).as("nothing more to report").hasSize(2);
	}

	@Test
	void refusedChangeUndoneShouldBeReportedAsServedAgainWithItsRevision() {
		ActiveClaimMapping active = new ActiveClaimMapping(this.environment, this.meters, this.published::add);
		this.logs.expect(ActiveClaimMapping.class, "has an empty segment");
		this.configMap.put("claims.mapping[0].claim", "realm_access..roles");
		refresh(active);
		this.configMap.put("claims.mapping[0].claim", "email");
		refresh(active);
		assertThat(active.snapshot().revision()).isEqualTo(1);
		assertThat(active.standingRejection()).isNull();
		assertThat(this.published).hasSize(2)
			.last()
			.isInstanceOfSatisfying(ClaimMappingServed.class,
					(served) -> assertThat(served.snapshot()).isSameAs(active.snapshot()));
	}

	private void refresh(ActiveClaimMapping active) {
		active.onEnvironmentChange(new EnvironmentChangeEvent(Set.of("claims.mapping[0].field")));
	}

}
