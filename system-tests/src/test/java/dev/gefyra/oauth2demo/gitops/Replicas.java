package dev.gefyra.oauth2demo.gitops;

import java.util.List;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

/**
 * How many Pods a rendered Deployment runs at the fewest (its own count, or the minimum
 * of the HorizontalPodAutoscaler that owns it), and how many of them a
 * PodDisruptionBudget lets an eviction take.
 */
final class Replicas {

	private Replicas() {
	}

	/**
	 * The HorizontalPodAutoscalers among a tree's objects that scale a Deployment.
	 * @param deployment the Deployment
	 * @param objects the rendered tree it belongs to
	 * @return those whose scaleTargetRef names it
	 */
	static List<HorizontalPodAutoscaler> autoscalersOf(Deployment deployment, List<HasMetadata> objects) {
		return objects.stream()
			.filter(HorizontalPodAutoscaler.class::isInstance)
			.map(HorizontalPodAutoscaler.class::cast)
			.filter((autoscaler) -> targets(autoscaler.getSpec().getScaleTargetRef(), deployment))
			.toList();
	}

	/**
	 * The fewest Pods a Deployment runs: its spec.replicas, else its autoscalers'
	 * smallest minReplicas, else the API server's default; both default to 1.
	 * @param deployment the Deployment
	 * @param objects the rendered tree it belongs to
	 * @return the count
	 */
	static int fewest(Deployment deployment, List<HasMetadata> objects) {
		if (deployment.getSpec().getReplicas() != null) {
			return deployment.getSpec().getReplicas();
		}
		return autoscalersOf(deployment, objects).stream()
			.mapToInt((autoscaler) -> Objects.requireNonNullElse(autoscaler.getSpec().getMinReplicas(), 1))
			.min()
			.orElse(1);
	}

	/**
	 * How many Pods an eviction may take while all of them are healthy, as the disruption
	 * controller counts it (a percentage rounded up).
	 * @param budget the PodDisruptionBudget
	 * @param pods how many Pods it selects, all healthy
	 * @return its disruptionsAllowed
	 */
	static int disruptionsAllowed(PodDisruptionBudget budget, int pods) {
		IntOrString maxUnavailable = budget.getSpec().getMaxUnavailable();
		if (maxUnavailable != null) {
			return Math.min(pods, count(maxUnavailable, pods));
		}
		IntOrString minAvailable = budget.getSpec().getMinAvailable();
		return (minAvailable != null) ? Math.max(0, pods - count(minAvailable, pods)) : pods;
	}

	private static int count(IntOrString value, int pods) {
		if (value.getIntVal() != null) {
			return value.getIntVal();
		}
		int percent = Integer.parseInt(value.getStrVal().replace("%", ""));
		return (percent * pods + 99) / 100;
	}

	private static boolean targets(CrossVersionObjectReference target, Deployment deployment) {
		return target != null && "Deployment".equals(target.getKind()) && "apps/v1".equals(target.getApiVersion())
				&& deployment.getMetadata().getName().equals(target.getName());
	}

}
