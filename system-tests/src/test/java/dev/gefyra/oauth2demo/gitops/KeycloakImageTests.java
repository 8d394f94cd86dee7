package dev.gefyra.oauth2demo.gitops;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keycloak starts as its image was built: every environment runs the optimized image with
 * {@code start --optimized}, and sets each build option the image was built with
 * (KEYCLOAK_BUILD_OPTIONS in scripts/versions.env) to the same value: with
 * {@code --optimized}, Keycloak refuses to start when a build option set at start differs
 * from the image's.
 */
class KeycloakImageTests {

	static Stream<String> keycloakOverlays() {
		return GitOpsTree.environments().stream().map((environment) -> "gitops/keycloak/overlays/" + environment);
	}

	@ParameterizedTest
	@MethodSource("keycloakOverlays")
	void keycloakShouldStartAsItsImageWasBuilt(String overlay) {
		Container keycloak = keycloakContainer(overlay);
		assertThat(keycloak.getArgs()).as("args").startsWith("start").contains("--optimized");
		Map<String, String> environment = keycloak.getEnv()
			.stream()
			.filter((variable) -> variable.getValue() != null)
			.collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
		assertThat(environment).as("the build options as KC_* variables").containsAllEntriesOf(buildOptions());
	}

	@ParameterizedTest
	@MethodSource("keycloakOverlays")
	void keycloakShouldRunTheOptimizedImage(String overlay) {
		String image = keycloakContainer(overlay).getImage().replaceFirst("@.*", "");
		String optimized = GitOpsTree.versions().get("KEYCLOAK_OPTIMIZED_IMAGE");
		assertThat(image).as("the optimized image, wherever it is published")
			.endsWith(optimized.substring(optimized.lastIndexOf('/')))
			.isNotEqualTo(GitOpsTree.versions().get("KEYCLOAK_IMAGE"));
	}

	/**
	 * "--db=postgres --health-enabled=true" as KC_DB=postgres, KC_HEALTH_ENABLED=true.
	 */
	private static Map<String, String> buildOptions() {
		String options = GitOpsTree.versions().get("KEYCLOAK_BUILD_OPTIONS").replace("\"", "");
		assertThat(options).as("KEYCLOAK_BUILD_OPTIONS").isNotBlank();
		return Arrays.stream(options.split("\\s+")).map((option) -> {
			assertThat(option).as("a build option").matches("--[a-z-]+=.+");
			String name = option.substring(2, option.indexOf('='));
			return Map.entry("KC_" + name.toUpperCase().replace('-', '_'), option.substring(option.indexOf('=') + 1));
		}).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
	}

	private static Container keycloakContainer(String overlay) {
		return GitOpsTree.render(overlay)
			.stream()
			.filter((resource) -> resource instanceof Deployment && resource.getMetadata().getName().equals("keycloak"))
			.map((resource) -> (Deployment) resource)
			.flatMap((deployment) -> deployment.getSpec().getTemplate().getSpec().getContainers().stream())
			.filter((container) -> container.getName().equals("keycloak"))
			.findFirst()
			.orElseThrow(
					() -> new AssertionError(overlay + " renders no Deployment keycloak with a container keycloak"));
	}

}
