package dev.gefyra.oauth2demo.gitops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
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

	/**
	 * Production images not yet pinned by digest: the sidecar's digest was not at hand,
	 * the service's image is built by whoever deploys it.
	 */
	private static final Set<String> DIGEST_TO_BE_FILLED = Set.of("quay.io/oauth2-proxy/oauth2-proxy",
			"ghcr.io/example/oauth2-demo-service");

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
		Map<String, String> versions = GitOpsTree.versions();
		String repository = repository(image);
		versions.values()
			.stream()
			.filter((pin) -> pin.contains(":") && pin.substring(0, pin.lastIndexOf(':')).equals(repository))
			.forEach((pin) -> assertThat(image).as("the pin in scripts/versions.env").isEqualTo(pin));
	}

	/**
	 * A tag can be moved to other content, a digest cannot. The images listed in
	 * {@link #DIGEST_TO_BE_FILLED} have none yet (gitops/oauth2-demo/overlays/production
	 * says why); the list must name exactly those, so it shrinks as digests are added.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("productionContainers")
	void productionImageShouldBePinnedByDigest(String where, PodSpec pod, Container container) {
		String image = container.getImage();
		boolean digestToBeFilled = DIGEST_TO_BE_FILLED.contains(repository(withoutDigest(image)));
		if (digestToBeFilled) {
			assertThat(image).as("has its digest now: drop it from DIGEST_TO_BE_FILLED").doesNotContain("@");
		}
		else {
			assertThat(image).matches(".+:[^/@]+@sha256:[0-9a-f]{64}");
		}
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
		return containers().filter((arguments) -> ((String) arguments.get()[0]).contains("/overlays/production "));
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
