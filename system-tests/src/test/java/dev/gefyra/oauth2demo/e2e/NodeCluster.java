package dev.gefyra.oauth2demo.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.RollableScalableResource;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The cluster {@code scripts/cluster-up --node} made, through the kubeconfig in
 * {@code KUBECONFIG}: its Pods by their {@code app.kubernetes.io/name}, the app's
 * Deployment, Argo CD's Applications, and the service's {@code /actuator/claims} on its
 * Pod's management port.
 */
final class NodeCluster implements AutoCloseable {

	static final String APP = "oauth2-demo";

	private static final String NAME_LABEL = "app.kubernetes.io/name";

	final KubernetesClient client = new KubernetesClientBuilder().build();

	/** The one Pod of that name, when it is the only one and Ready; else null. */
	@Nullable Pod readyPod(String namespace, String name) {
		List<Pod> pods = this.client.pods().inNamespace(namespace).withLabel(NAME_LABEL, name).list().getItems();
		return (pods.size() == 1 && isReady(pods.get(0)) && pods.get(0).getMetadata().getDeletionTimestamp() == null)
				? pods.get(0) : null;
	}

	/**
	 * The app's Pods once its Deployment has settled: as many as it asks for, every one
	 * Ready, none going away; else none.
	 */
	List<Pod> settledAppPods() {
		int wanted = appDeployment().get().getSpec().getReplicas();
		List<Pod> pods = this.client.pods().inNamespace(APP).withLabel(NAME_LABEL, APP).list().getItems();
		boolean settled = pods.size() == wanted
				&& pods.stream().allMatch((pod) -> isReady(pod) && pod.getMetadata().getDeletionTimestamp() == null);
		return settled ? pods : List.of();
	}

	RollableScalableResource<Deployment> appDeployment() {
		return this.client.apps().deployments().inNamespace(APP).withName(APP);
	}

	/** "<sync>/<health>" of an Argo CD Application. */
	String application(String name) {
		GenericKubernetesResource application = this.client
			.genericKubernetesResources("argoproj.io/v1alpha1", "Application")
			.inNamespace("argocd")
			.withName(name)
			.get();
		if (application == null || !(application.getAdditionalProperties().get("status") instanceof Map<?, ?> status)) {
			return "missing/missing";
		}
		return field(status, "sync", "status") + "/" + field(status, "health", "status");
	}

	/**
	 * The health message Argo CD gives one resource of an Application, or "" when it has
	 * none.
	 */
	String resourceHealthMessage(String application, String kind, String name) {
		GenericKubernetesResource found = this.client.genericKubernetesResources("argoproj.io/v1alpha1", "Application")
			.inNamespace("argocd")
			.withName(application)
			.get();
		if (found == null || !(found.getAdditionalProperties().get("status") instanceof Map<?, ?> status)
				|| !(status.get("resources") instanceof List<?> resources)) {
			return "";
		}
		return resources.stream()
			.filter((resource) -> resource instanceof Map<?, ?> entry && kind.equals(entry.get("kind"))
					&& name.equals(entry.get("name")))
			.map((resource) -> field((Map<?, ?>) resource, "health", "message"))
			.filter((message) -> !"missing".equals(message) && !"null".equals(message))
			.findFirst()
			.orElse("");
	}

	JsonNode claims(Pod appPod) {
		return LocalStack.parse(
				LocalStack.get("http://" + appPod.getStatus().getPodIP() + ":9155/actuator/claims", Map.of()).body());
	}

	static boolean isReady(Pod pod) {
		return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus()
			.getConditions()
			.stream()
			.anyMatch((condition) -> "Ready".equals(condition.getType()) && "True".equals(condition.getStatus()));
	}

	/**
	 * From the Pod's creation to its Ready condition, by the API server's and the
	 * kubelet's own timestamps (whole seconds).
	 */
	static long secondsToReady(Pod pod) {
		Instant created = Instant.parse(pod.getMetadata().getCreationTimestamp());
		Instant ready = pod.getStatus()
			.getConditions()
			.stream()
			.filter((condition) -> "Ready".equals(condition.getType()) && "True".equals(condition.getStatus()))
			.map((condition) -> Instant.parse(condition.getLastTransitionTime()))
			.findFirst()
			.orElseThrow(() -> new IllegalStateException(pod.getMetadata().getName() + " is not Ready"));
		return Duration.between(created, ready).toSeconds();
	}

	/** Every container's restarts, the sidecar's included. */
	static int restarts(Pod pod) {
		return java.util.stream.Stream
			.of(pod.getStatus().getInitContainerStatuses(), pod.getStatus().getContainerStatuses())
			.flatMap(List::stream)
			.mapToInt(ContainerStatus::getRestartCount)
			.sum();
	}

	static String image(Pod pod, String container) {
		return pod.getSpec()
			.getContainers()
			.stream()
			.filter((candidate) -> candidate.getName().equals(container))
			.findFirst()
			.orElseThrow()
			.getImage();
	}

	private static String field(Map<?, ?> status, String part, String key) {
		return (status.get(part) instanceof Map<?, ?> section) ? String.valueOf(section.get(key)) : "missing";
	}

	@Override
	public void close() {
		this.client.close();
	}

}
