package dev.gefyra.oauth2demo.gitops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * scripts/versions.env), requests and limits, probes, and a securityContext that Pod
 * Security "restricted" admits.
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
		String image = container.getImage();
		String tag = image.substring(image.lastIndexOf('/') + 1);
		assertThat(tag).as(image).contains(":");
		assertThat(tag.substring(tag.indexOf(':') + 1)).as(image).isNotIn("latest", "");
		Map<String, String> versions = GitOpsTree.versions();
		String repository = image.substring(0, image.lastIndexOf(':'));
		versions.values()
			.stream()
			.filter((pin) -> pin.contains(":") && pin.substring(0, pin.lastIndexOf(':')).equals(repository))
			.forEach((pin) -> assertThat(image).as("the pin in scripts/versions.env").isEqualTo(pin));
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
