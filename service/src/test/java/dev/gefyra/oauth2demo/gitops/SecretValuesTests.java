package dev.gefyra.oauth2demo.gitops;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.dataformat.toml.TomlMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No secret value in what a non-local overlay deploys (env values, ConfigMap files of any
 * format), and every Secret the local overlays use is generated at bootstrap.
 */
class SecretValuesTests {

	/**
	 * Names that end in a secret's word: {@code KC_DB_PASSWORD}, {@code cookie_secret}.
	 */
	private static final Pattern SECRET_NAME = Pattern
		.compile("(?i)(.*[-_.])?(password|passwd|secret|token|api[-_]?key|private[-_]?key|credentials?)");

	private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{[A-Z0-9_]+}");

	private static final Pattern ENSURE_SECRET = Pattern.compile("(?m)^\\s*ensure_secret (\\S+) (\\S+) (.+)$");

	private static final Pattern GENERATED = Pattern.compile("(?m)^\\s*([A-Z_]+)=\\$\\(random_secret \\d+\\)");

	static Stream<String> nonLocalOverlays() {
		return GitOpsTreeTests.overlays().filter((overlay) -> !overlay.endsWith("/local"));
	}

	static Stream<String> localOverlays() {
		return GitOpsTreeTests.overlays().filter((overlay) -> overlay.endsWith("/local"));
	}

	@ParameterizedTest
	@MethodSource("nonLocalOverlays")
	void nonLocalOverlayShouldCommitNoSecretValue(String overlay) {
		assertThat(secretValues(GitOpsTree.render(overlay))).isEmpty();
	}

	/** The scan can fail: the demo users' passwords, local only, are found. */
	@Test
	void scanShouldFindTheLocalDemoPasswords() {
		List<String> found = secretValues(GitOpsTree.render("gitops/keycloak/overlays/local"));
		assertThat(found).anySatisfy((finding) -> assertThat(finding).contains("demo-users-0.json"));
		assertThat(found).noneSatisfy((finding) -> assertThat(finding).contains("demo-realm.json"));
	}

	@Test
	void scanShouldFindALiteralSecretEnvValue() {
		Deployment deployment = (Deployment) GitOpsTree.render("gitops/oauth2-demo/overlays/production")
			.stream()
			.filter(Deployment.class::isInstance)
			.findFirst()
			.orElseThrow();
		Deployment leaky = new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder(deployment).editSpec()
			.editTemplate()
			.editSpec()
			.editFirstContainer()
			.addNewEnv()
			.withName("OAUTH2_PROXY_COOKIE_SECRET")
			.withValue("abc")
			.endEnv()
			.endContainer()
			.endSpec()
			.endTemplate()
			.endSpec()
			.build();
		assertThat(secretValues(List.of(leaky))).singleElement().asString().contains("OAUTH2_PROXY_COOKIE_SECRET");
	}

	@ParameterizedTest
	@MethodSource("localOverlays")
	void localSecretsShouldBeGeneratedAtBootstrap(String overlay) {
		String clusterUp = GitOpsTree.read("scripts/cluster-up");
		Set<String> generatedVariables = new TreeSet<>();
		Matcher generated = GENERATED.matcher(clusterUp);
		while (generated.find()) {
			generatedVariables.add(generated.group(1));
		}
		Map<String, String> created = new HashMap<>();
		Matcher ensure = ENSURE_SECRET.matcher(clusterUp);
		while (ensure.find()) {
			for (String pair : ensure.group(3).split(" ")) {
				String[] keyValue = pair.replace("\"", "").split("=", 2);
				created.put(ensure.group(1) + "/" + ensure.group(2) + "/" + keyValue[0], keyValue[1]);
			}
		}
		for (HasMetadata object : GitOpsTree.render(overlay)) {
			for (Container container : containers(object)) {
				for (EnvVar env : container.getEnv()) {
					if (env.getValueFrom() == null || env.getValueFrom().getSecretKeyRef() == null) {
						continue;
					}
					var ref = env.getValueFrom().getSecretKeyRef();
					String where = object.getMetadata().getNamespace() + "/" + ref.getName() + "/" + ref.getKey();
					assertThat(created).as("scripts/cluster-up creates %s", where).containsKey(where);
					String value = created.get(where);
					if (SECRET_NAME.matcher(ref.getKey()).matches()) {
						assertThat(value).as(where).startsWith("$");
						assertThat(generatedVariables).as("%s is generated", value).contains(value.substring(1));
					}
				}
			}
		}
	}

	private static List<String> secretValues(List<HasMetadata> objects) {
		List<String> found = new ArrayList<>();
		for (HasMetadata object : objects) {
			String name = object.getKind() + " " + object.getMetadata().getName();
			for (Container container : containers(object)) {
				for (EnvVar env : container.getEnv()) {
					if (SECRET_NAME.matcher(env.getName()).matches() && env.getValue() != null
							&& !env.getValue().isEmpty()) {
						found.add(name + ": env " + env.getName() + " has a literal value");
					}
				}
			}
			if (object instanceof ConfigMap configMap && configMap.getData() != null) {
				configMap.getData().forEach((key, text) -> scan(parse(key, text), name + " " + key, found));
			}
		}
		return found;
	}

	private static JsonNode parse(String key, String text) {
		if (key.endsWith(".cfg") || key.endsWith(".toml")) {
			return new ObjectMapper().valueToTree(new TomlMapper().readValue(text, Map.class));
		}
		if (key.endsWith(".json") || key.endsWith(".yaml") || key.endsWith(".yml")) {
			return GitOpsTree.yamlDocuments(text).stream().findFirst().orElse(null);
		}
		return null;
	}

	private static void scan(JsonNode node, String where, List<String> found) {
		if (node == null) {
			return;
		}
		if (node.isArray()) {
			node.forEach((element) -> scan(element, where, found));
			return;
		}
		node.properties().forEach((field) -> {
			JsonNode value = field.getValue();
			boolean secretName = SECRET_NAME.matcher(field.getKey()).matches()
					|| field.getKey().equals("value") && node.path("type").asText().equals("password");
			if (secretName && value.isValueNode() && !value.asText().isEmpty()
					&& !PLACEHOLDER.matcher(value.asText()).matches() && !isSetting(field.getKey(), value)) {
				found.add(where + ": " + field.getKey() + " has a value");
			}
			scan(value, where, found);
		});
	}

	/**
	 * Names like "clientAuthenticatorType": "client-secret" or booleans name no secret.
	 */
	private static boolean isSetting(String field, JsonNode value) {
		return value.isBoolean() || value.isNumber() || field.toLowerCase().endsWith("type");
	}

	private static List<Container> containers(HasMetadata object) {
		PodTemplateSpec template = null;
		if (object instanceof Deployment deployment) {
			template = deployment.getSpec().getTemplate();
		}
		else if (object instanceof StatefulSet statefulSet) {
			template = statefulSet.getSpec().getTemplate();
		}
		if (template == null) {
			return List.of();
		}
		return Stream
			.concat(template.getSpec().getInitContainers().stream(), template.getSpec().getContainers().stream())
			.toList();
	}

}
