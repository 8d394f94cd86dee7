package dev.gefyra.oauth2demo.gitops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every container of every workload, in every overlay: a pinned image (the one in
 * scripts/versions.env; in production by digest too), requests and limits, probes, a
 * securityContext that Pod Security "restricted" admits, and no ServiceAccount token it
 * does not ask for.
 */
class WorkloadTests {

	static Stream<Arguments> containers() {
		List<Arguments> containers = new ArrayList<>();
		GitOpsTreeTests.overlays().forEach((overlay) -> {
			for (HasMetadata object : GitOpsTree.render(overlay)) {
				PodSpec pod = podSpec(object);
				if (pod == null) {
					continue;
				}
				Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream())
					.forEach((container) -> containers
						.add(Arguments.of(overlay + " " + container.getName(), pod, container)));
			}
		});
		return containers.stream();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("containers")
	void imageShouldBePinnedToAnExactTag(String where, PodSpec pod, Container container) {
		String image = withoutDigest(container.getImage());
		String tag = image.substring(image.lastIndexOf('/') + 1);
		assertThat(tag).as(image).contains(":");
		assertThat(tag.substring(tag.indexOf(':') + 1)).as(image).isNotIn("latest", "");
		// The pin of the same program (repository name), wherever it is published:
		// production
		// runs the sidecar from its own registry.
		String program = baseName(repository(image));
		GitOpsTree.versions()
			.values()
			.stream()
			.filter((pin) -> pin.contains(":") && baseName(pin.substring(0, pin.lastIndexOf(':'))).equals(program))
			.forEach((pin) -> assertThat(tag(image)).as("%s: the pin in scripts/versions.env", image)
				.isEqualTo(tag(pin)));
	}

	/**
	 * A tag can be moved to other content, a digest cannot: what production and staging
	 * run, every image, is pinned by both.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("productionContainers")
	void productionImageShouldBePinnedByDigest(String where, PodSpec pod, Container container) {
		assertThat(container.getImage()).matches(".+:[^/@]+@sha256:[0-9a-f]{64}");
	}

	/**
	 * Staging runs the images built on its machine: each one's digest comes from
	 * staging's one place for digests, none falls back to production's.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("stagingContainers")
	void stagingImageShouldBePinnedInStagingsOnePlace(String where, PodSpec pod, Container container) {
		JsonNode images = GitOpsTree.yamlFile("gitops/environments/staging/images/kustomization.yaml").path("images");
		String image = container.getImage();
		assertThat(images.valueStream()
			.map((entry) -> entry.path("name").asText() + ":" + entry.path("newTag").asText() + "@"
					+ entry.path("digest").asText())
			.toList()).as("gitops/environments/staging/images").contains(image);
	}

	/**
	 * The kubelet mounts the ServiceAccount's token into every container unless told not
	 * to: a Pod mounts it, as a volume, only into the container that calls the API.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("workloads")
	void podShouldNotHaveItsServiceAccountTokenMountedEverywhere(String where, PodSpec pod) {
		assertThat(pod.getAutomountServiceAccountToken()).as("automountServiceAccountToken").isFalse();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("containers")
	void containerShouldHaveRequestsAndMemoryLimit(String where, PodSpec pod, Container container) {
		assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
		assertThat(container.getResources().getLimits()).containsKey("memory");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("containers")
	void containerShouldHaveLivenessAndReadinessProbes(String where, PodSpec pod, Container container) {
		assertThat(container.getLivenessProbe()).as("liveness").isNotNull();
		assertThat(container.getReadinessProbe()).as("readiness").isNotNull();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("containers")
	void containerShouldMeetRestrictedPodSecurity(String where, PodSpec pod, Container container) {
		PodSecurityContext podContext = (pod.getSecurityContext() != null) ? pod.getSecurityContext()
				: new PodSecurityContext();
		SecurityContext context = container.getSecurityContext();
		assertThat(context).isNotNull();
		assertThat(context.getAllowPrivilegeEscalation()).isFalse();
		assertThat(context.getPrivileged()).isNotEqualTo(Boolean.TRUE);
		assertThat(context.getCapabilities().getDrop()).containsExactly("ALL");
		assertThat(context.getCapabilities().getAdd()).isNullOrEmpty();
		Boolean runAsNonRoot = (context.getRunAsNonRoot() != null) ? context.getRunAsNonRoot()
				: podContext.getRunAsNonRoot();
		assertThat(runAsNonRoot).as("runAsNonRoot").isTrue();
		Long runAsUser = (context.getRunAsUser() != null) ? context.getRunAsUser() : podContext.getRunAsUser();
		assertThat(runAsUser).as("runAsUser").isNotEqualTo(0L);
		String seccomp = (context.getSeccompProfile() != null) ? context.getSeccompProfile().getType()
				: (podContext.getSeccompProfile() != null) ? podContext.getSeccompProfile().getType() : null;
		assertThat(seccomp).as("seccompProfile").isIn("RuntimeDefault", "Localhost");
	}

	static Stream<Arguments> productionContainers() {
		return containers().filter((arguments) -> ((String) arguments.get()[0]).contains("/overlays/production ")
				|| ((String) arguments.get()[0]).contains("/overlays/staging "));
	}

	static Stream<Arguments> stagingContainers() {
		return containers().filter((arguments) -> ((String) arguments.get()[0]).contains("/overlays/staging "));
	}

	/**
	 * Several replicas promise that losing one Pod leaves another serving; a drain or an
	 * eviction keeps that promise only under a PodDisruptionBudget that lets fewer go
	 * than run, counted at the fewest a HorizontalPodAutoscaler keeps (for Keycloak, the
	 * one left also holds the sessions: scripts/test/cluster-staging).
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("replicatedDeployments")
	void replicatedDeploymentShouldKeepOneServingThroughEvictions(String where, Deployment deployment,
			List<HasMetadata> overlay) {
		Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
		List<PodDisruptionBudget> budgets = overlay.stream()
			.filter(PodDisruptionBudget.class::isInstance)
			.map(PodDisruptionBudget.class::cast)
			.filter((budget) -> podLabels.entrySet()
				.containsAll(budget.getSpec().getSelector().getMatchLabels().entrySet()))
			.toList();
		assertThat(budgets).as("PodDisruptionBudgets selecting its Pods").hasSize(1);
		int fewest = Replicas.fewest(deployment, overlay);
		assertThat(Replicas.disruptionsAllowed(budgets.get(0), fewest))
			.as("disruptions allowed at the fewest Pods (%d), all healthy", fewest)
			.isPositive()
			.isLessThan(fewest);
	}

	static Stream<Arguments> replicatedDeployments() {
		List<Arguments> deployments = new ArrayList<>();
		GitOpsTreeTests.overlays().forEach((overlay) -> {
			List<HasMetadata> objects = GitOpsTree.render(overlay);
			objects.stream()
				.filter(Deployment.class::isInstance)
				.map(Deployment.class::cast)
				.filter((deployment) -> Replicas.fewest(deployment, objects) > 1)
				.forEach((deployment) -> deployments
					.add(Arguments.of(overlay + " " + deployment.getMetadata().getName(), deployment, objects)));
		});
		return deployments.stream();
	}

	static Stream<Arguments> workloads() {
		List<Arguments> workloads = new ArrayList<>();
		GitOpsTreeTests.overlays().forEach((overlay) -> {
			for (HasMetadata object : GitOpsTree.render(overlay)) {
				PodSpec pod = podSpec(object);
				if (pod != null) {
					workloads.add(
							Arguments.of(overlay + " " + object.getKind() + " " + object.getMetadata().getName(), pod));
				}
			}
		});
		return workloads.stream();
	}

	private static String withoutDigest(String image) {
		return (image.contains("@")) ? image.substring(0, image.indexOf('@')) : image;
	}

	private static String repository(String image) {
		return image.substring(0, image.lastIndexOf(':'));
	}

	private static String tag(String image) {
		return image.substring(image.lastIndexOf(':') + 1);
	}

	private static String baseName(String repository) {
		return repository.substring(repository.lastIndexOf('/') + 1);
	}

	static PodSpec podSpec(HasMetadata object) {
		if (object instanceof Deployment deployment) {
			return deployment.getSpec().getTemplate().getSpec();
		}
		if (object instanceof StatefulSet statefulSet) {
			return statefulSet.getSpec().getTemplate().getSpec();
		}
		return null;
	}

}
