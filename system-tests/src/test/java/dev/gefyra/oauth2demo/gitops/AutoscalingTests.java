package dev.gefyra.oauth2demo.gitops;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerSpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app scales itself on CPU: in every environment one HorizontalPodAutoscaler owns its
 * Deployment's replicas (Argo CD leaves a field git does not state alone), within the
 * limits and at the target its environment.yaml states, on CPU requests of every
 * container of the Pod, and the PodDisruptionBudget still lets one Pod go at the fewest.
 */
class AutoscalingTests {

	private static final String APP = "oauth2-demo";

	/** Fewer, and losing one Pod leaves the Service without an endpoint. */
	private static final int FEWEST_SERVING = 2;

	static Stream<String> environments() {
		return GitOpsTree.environments().stream();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("environments")
	void deploymentShouldLeaveItsReplicasToTheAutoscaler(String environment) {
		assertThat(deployment(environment).getSpec().getReplicas())
			.as("spec.replicas of Deployment %s in %s (Argo CD would reset what the autoscaler sets)", APP,
					overlay(environment))
			.isNull();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("environments")
	void oneAutoscalerShouldScaleTheAppWithinTheEnvironmentsLimits(String environment) {
		HorizontalPodAutoscalerSpec spec = autoscaler(environment).getSpec();
		assertThat(spec.getMinReplicas()).as("minReplicas").isGreaterThanOrEqualTo(FEWEST_SERVING);
		assertThat(spec.getMaxReplicas()).as("maxReplicas")
			.isGreaterThanOrEqualTo(spec.getMinReplicas())
			.isEqualTo(value(environment, "appMaxReplicas"));
		assertThat(spec.getBehavior().getScaleUp().getStabilizationWindowSeconds()).as("scale-up window").isZero();
		assertThat(spec.getBehavior().getScaleDown().getStabilizationWindowSeconds()).as("scale-down window")
			.isPositive()
			.isEqualTo(value(environment, "appScaleDownWindowSeconds"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("environments")
	void autoscalerShouldTargetTheEnvironmentsCpuUtilization(String environment) {
		assertThat(autoscaler(environment).getSpec().getMetrics()).singleElement().satisfies((metric) -> {
			assertThat(metric.getType()).isEqualTo("Resource");
			assertThat(metric.getResource().getName()).isEqualTo("cpu");
			assertThat(metric.getResource().getTarget().getType()).isEqualTo("Utilization");
			assertThat(metric.getResource().getTarget().getAverageUtilization()).as("averageUtilization")
				.isBetween(1, 100)
				.isEqualTo(value(environment, "appCpuTarget"));
		});
	}

	/**
	 * Utilization is the Pod's CPU use over the sum of its containers' CPU requests, the
	 * native sidecar's included: the HPA cannot compute it when one of them has none.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("environments")
	void everyContainerOfThePodShouldRequestCpu(String environment) {
		PodSpec pod = deployment(environment).getSpec().getTemplate().getSpec();
		Map<String, String> cpuRequests = new TreeMap<>();
		Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream())
			.forEach((container) -> cpuRequests.put(container.getName(), cpuRequest(container)));
		assertThat(cpuRequests).as("CPU request of each container").containsKeys("oauth2-proxy", "service");
		assertThat(cpuRequests).as("CPU request of each container")
			.allSatisfy((container, cpu) -> assertThat(cpu).as(container).isNotEqualTo("none"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("environments")
	void disruptionBudgetShouldLetOnePodGoAtTheFewestReplicas(String environment) {
		List<HasMetadata> objects = GitOpsTree.render(overlay(environment));
		int fewest = Replicas.fewest(deployment(environment), objects);
		List<PodDisruptionBudget> budgets = objects.stream()
			.filter(PodDisruptionBudget.class::isInstance)
			.map(PodDisruptionBudget.class::cast)
			.toList();
		assertThat(budgets).as("PodDisruptionBudgets")
			.extracting((budget) -> budget.getMetadata().getName())
			.hasSize(1);
		assertThat(Replicas.disruptionsAllowed(budgets.get(0), fewest))
			.as("disruptions allowed at the fewest Pods (%d, minReplicas), all healthy", fewest)
			.isPositive()
			.isLessThan(fewest);
	}

	/**
	 * The base states no environment's limits: it holds values the API server refuses, so
	 * a replacement that misses one fails the sync instead of deploying a default.
	 */
	@Test
	void baseShouldLeaveTheLimitsToTheEnvironments() {
		List<HorizontalPodAutoscaler> autoscalers = GitOpsTree.render("gitops/oauth2-demo/base")
			.stream()
			.filter(HorizontalPodAutoscaler.class::isInstance)
			.map(HorizontalPodAutoscaler.class::cast)
			.toList();
		assertThat(autoscalers).singleElement().satisfies((autoscaler) -> {
			HorizontalPodAutoscalerSpec spec = autoscaler.getSpec();
			assertThat(spec.getMaxReplicas()).as("maxReplicas").isZero();
			assertThat(spec.getMetrics().get(0).getResource().getTarget().getAverageUtilization())
				.as("averageUtilization")
				.isZero();
			assertThat(spec.getBehavior().getScaleDown().getStabilizationWindowSeconds()).as("scale-down window")
				.isNegative();
		});
	}

	/** The container's CPU request, or "none" when it has none or a zero one. */
	private static String cpuRequest(Container container) {
		Quantity cpu = (container.getResources() != null && container.getResources().getRequests() != null)
				? container.getResources().getRequests().get("cpu") : null;
		return (cpu != null && cpu.getNumericalAmount().signum() > 0) ? cpu.toString() : "none";
	}

	private static String overlay(String environment) {
		return "gitops/" + APP + "/overlays/" + environment;
	}

	private static Deployment deployment(String environment) {
		List<Deployment> deployments = GitOpsTree.render(overlay(environment))
			.stream()
			.filter(Deployment.class::isInstance)
			.map(Deployment.class::cast)
			.filter((deployment) -> deployment.getMetadata().getName().equals(APP))
			.toList();
		assertThat(deployments).as("Deployment %s in %s", APP, overlay(environment)).hasSize(1);
		return deployments.get(0);
	}

	private static HorizontalPodAutoscaler autoscaler(String environment) {
		List<HorizontalPodAutoscaler> autoscalers = Replicas.autoscalersOf(deployment(environment),
				GitOpsTree.render(overlay(environment)));
		assertThat(autoscalers).as("HorizontalPodAutoscalers of Deployment %s in %s", APP, overlay(environment))
			.extracting((autoscaler) -> autoscaler.getMetadata().getName())
			.hasSize(1);
		return autoscalers.get(0);
	}

	/** A whole number the environment's environment.yaml states. */
	private static int value(String environment, String key) {
		JsonNode value = GitOpsTree.environment(environment).path(key);
		assertThat(value.asText()).as("%s in %s", key, GitOpsTree.environmentFile(environment)).matches("[0-9]+");
		return Integer.parseInt(value.asText());
	}

}
