package dev.gefyra.oauth2demo.claims;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.http.server.PathContainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code claims.access} validated with the mapping: a rule set with any invalid rule is
 * refused as a whole, every problem named; valid rules decide by the first matching path.
 */
class AccessRulesTests {

	private static final List<ConfiguredField> MAPPING = List.of(new ConfiguredField("Email", "email"));

	@Test
	void firstRuleWhosePathMatchesShouldDecide() {
		AccessRules rules = rules(rule("/items/7", null),
				rule("/items/**", require(List.of("engineering"), null, null)));
		assertThat(rules.ruleFor(PathContainer.parsePath("/items/7")).index()).isZero();
		assertThat(rules.ruleFor(PathContainer.parsePath("/items/8")).index()).isOne();
		assertThat(rules.ruleFor(PathContainer.parsePath("/me"))).isNull();
	}

	@Test
	void ruleWithoutRequireShouldAdmitAnyVerifiedToken() {
		AccessRules.Rule rule = rules(rule("/**", null)).rules().get(0);
		assertThat(rule.admits(Map.of())).isTrue();
		assertThat(rule.describe()).isEqualTo("claims.access[0] (/**) requires a verified access token");
	}

	@Test
	void eachKindShouldAskOneOfItsNamesAndAllKindsShouldHold() {
		AccessRules.Rule rule = rules(rule("/me", require(List.of("engineering", "ops"), List.of("demo-admin"),
				Map.of("oauth2-demo", List.of("reader")))))
			.rules()
			.get(0);
		Map<String, Object> all = Map.of("groups", List.of("ops"), "realm_access",
				Map.of("roles", List.of("demo-admin")), "resource_access",
				Map.of("oauth2-demo", Map.of("roles", List.of("reader", "writer"))));
		assertThat(rule.admits(all)).isTrue();
		assertThat(
				rule.admits(Map.of("groups", List.of("ops"), "realm_access", Map.of("roles", List.of("demo-admin")))))
			.as("the client's role missing")
			.isFalse();
		assertThat(rule.describe()).isEqualTo("claims.access[0] (/me) requires one of group engineering, ops and "
				+ "realm role demo-admin and role of client oauth2-demo reader");
	}

	@Test
	void everyProblemShouldBeNamedAndTheWholeSetRefused() {
		ClaimsProperties settings = new ClaimsProperties(MAPPING, null,
				Arrays.asList(rule("/items/{", null), rule("items/**", null), rule("/me", null), rule("/me", null),
						rule(" ", null), rule("/ok", require(List.of(), List.of(), Map.of())),
						rule("/names", require(Arrays.asList("", " ops"), null, Map.of("app", List.of()))), null));
		assertThatExceptionOfType(InvalidClaimMappingException.class).isThrownBy(() -> ClaimMapping.of(settings))
			.withMessageContaining("claims.access[0].path '/items/{' is not a path pattern")
			.withMessageContaining("claims.access[1].path 'items/**' must start with '/'")
			.withMessageContaining("claims.access[3].path '/me' appears twice")
			.withMessageContaining("claims.access[4].path is empty")
			.withMessageContaining("claims.access[5].require names no group, role or client role")
			.withMessageContaining("claims.access[6].require.groups[0] is empty")
			.withMessageContaining("claims.access[6].require.groups[1] ' ops' starts or ends with white space")
			.withMessageContaining("claims.access[6].require.client-roles.app names no role")
			.withMessageContaining("claims.access[7].path is empty");
	}

	@Test
	void equalRulesShouldGiveEqualMappings() {
		assertThat(ClaimMapping.of(settings(rule("/me", require(List.of("ops"), null, null)))))
			.isEqualTo(ClaimMapping.of(settings(rule("/me", require(List.of("ops"), null, null)))))
			.isNotEqualTo(ClaimMapping.of(settings(rule("/me", require(List.of("dev"), null, null)))));
	}

	private static AccessRules rules(ConfiguredAccessRule... rules) {
		return ClaimMapping.of(settings(rules)).access();
	}

	private static ClaimsProperties settings(ConfiguredAccessRule... rules) {
		return new ClaimsProperties(MAPPING, null, List.of(rules));
	}

	private static ConfiguredAccessRule rule(String path, ConfiguredAccessRule.Requirement require) {
		return new ConfiguredAccessRule(path, require);
	}

	private static ConfiguredAccessRule.Requirement require(List<String> groups, List<String> roles,
			Map<String, List<String>> clientRoles) {
		return new ConfiguredAccessRule.Requirement(groups, roles, clientRoles);
	}

}
