package dev.gefyra.oauth2demo.actuator;

import java.time.Instant;
import java.util.List;

import dev.gefyra.oauth2demo.claims.AccessRules;
import dev.gefyra.oauth2demo.claims.ConfiguredAccessRule;
import dev.gefyra.oauth2demo.claims.ConfiguredField;
import dev.gefyra.oauth2demo.kubernetes.ConfigMapSourceCheck;
import dev.gefyra.oauth2demo.reload.ActiveClaimMapping;
import dev.gefyra.oauth2demo.reload.ClaimMappingSnapshot;
import dev.gefyra.oauth2demo.reload.RejectedClaimMapping;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/claims}: which mapping is served, since when, and why the last refused
 * one was refused.
 */
@Component
@Endpoint(id = "claims")
public class ClaimsEndpoint {

	private final ActiveClaimMapping activeMapping;

	private final ConfigMapSourceCheck sourceCheck;

	public ClaimsEndpoint(ActiveClaimMapping activeMapping, ConfigMapSourceCheck sourceCheck) {
		this.activeMapping = activeMapping;
		this.sourceCheck = sourceCheck;
	}

	@ReadOperation
	public ClaimsStatus status() {
		ClaimMappingSnapshot snapshot = this.activeMapping.snapshot();
		List<ConfiguredField> mapping = snapshot.mapping()
			.fields()
			.stream()
			.map((field) -> new ConfiguredField(field.name(), field.claim().toString()))
			.toList();
		List<ConfiguredAccessRule> access = snapshot.mapping()
			.access()
			.rules()
			.stream()
			.map(ClaimsEndpoint::asConfigured)
			.toList();
		return new ClaimsStatus(mapping, snapshot.mapping().missing(), access, snapshot.revision(), snapshot.loadedAt(),
				this.activeMapping.lastRejection(), this.sourceCheck.problem());
	}

	private static ConfiguredAccessRule asConfigured(AccessRules.Rule rule) {
		AccessRules.Requirement requirement = rule.requirement();
		return new ConfiguredAccessRule(rule.pattern().getPatternString(),
				(requirement != null) ? new ConfiguredAccessRule.Requirement(requirement.groups(), requirement.roles(),
						requirement.clientRoles()) : null);
	}

	/**
	 * The endpoint's answer.
	 *
	 * @param mapping the served mapping, in response order
	 * @param missing the value of absent claims
	 * @param access the served access rules, in order
	 * @param revision the served revision
	 * @param loadedAt when it was accepted
	 * @param lastRejected the last refused mapping and its error, if any
	 * @param configMapProblem what is wrong with the ConfigMap now (it does not exist, or
	 * does not parse), if anything; {@code null} outside Kubernetes
	 */
	public record ClaimsStatus(List<ConfiguredField> mapping, String missing, List<ConfiguredAccessRule> access,
			long revision, Instant loadedAt, @Nullable RejectedClaimMapping lastRejected,
			@Nullable String configMapProblem) {

	}

}
