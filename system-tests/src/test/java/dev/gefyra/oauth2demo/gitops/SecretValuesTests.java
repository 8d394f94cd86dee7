package dev.gefyra.oauth2demo.gitops;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * format); every Secret a non-local overlay reads is sealed in it, every one the local
 * overlays read is generated at bootstrap, both as scripts/lib/secrets.sh states them.
 */
class SecretValuesTests {

	/**
	 * Names that end in a secret's word: {@code KC_DB_PASSWORD}, {@code cookie_secret}.
	 */
	private static final Pattern SECRET_NAME = Pattern
		.compile("(?i)(.*[-_.])?(password|passwd|secret|token|api[-_]?key|private[-_]?key|credentials?)");

	private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{[A-Z0-9_]+}");

	/** A row of scripts/lib/secrets.sh: component, namespace, name, key=source pairs. */
	private static final Pattern SECRET_ROW = Pattern.compile("(?m)^\\s*\"(\\S+) (\\S+) (\\S+) ([^\"]+)\"$");

	private static final Pattern GENERATED = Pattern.compile("\"([A-Z_]+)=\\$\\(random_secret \\d+\\)\"");

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
		String table = GitOpsTree.read("scripts/lib/secrets.sh");
		Set<String> generatedVariables = new TreeSet<>();
		Matcher generated = GENERATED.matcher(table);
		while (generated.find()) {
			generatedVariables.add(generated.group(1));
		}
		Map<String, String> sources = secretSources();
		for (String where : readSecretKeys(GitOpsTree.render(overlay))) {
			assertThat(sources).as("scripts/lib/secrets.sh names %s", where).containsKey(where);
			String source = sources.get(where);
			if (SECRET_NAME.matcher(where.substring(where.lastIndexOf('/') + 1)).matches()) {
				assertThat(source).as("%s comes from the secrets file", where).doesNotStartWith("'");
				assertThat(generatedVariables).as("%s is generated", source).contains(source);
			}
		}
	}

	/**
	 * What a non-local overlay reads from Secrets is sealed in it: a SealedSecret of that
	 * name and namespace with the key encrypted, and no plain Secret anywhere.
	 */
	@ParameterizedTest
	@MethodSource("nonLocalOverlays")
	void nonLocalSecretsShouldBeSealedInTheOverlay(String overlay) {
		List<HasMetadata> objects = GitOpsTree.render(overlay);
		assertThat(objects).noneMatch((object) -> object.getKind().equals("Secret"));
		Set<String> sealed = new TreeSet<>();
		objects.stream().filter((object) -> object.getKind().equals("SealedSecret")).forEach((object) -> {
			JsonNode sealedSecret = new ObjectMapper().valueToTree(object);
			assertThat(sealedSecret.path("metadata")
				.path("annotations")
				.path("oauth2-demo.gefyra.dev/sealed-for")
				.asText()).as("the certificate %s was sealed for", object.getMetadata().getName())
				.startsWith("sha256:");
			sealedSecret.path("spec").path("encryptedData").properties().forEach((key) -> {
				assertThat(key.getValue().asText()).as("encrypted %s", key.getKey()).matches("Ag[A-Za-z0-9+/=]{100,}");
				sealed.add(object.getMetadata().getNamespace() + "/" + object.getMetadata().getName() + "/"
						+ key.getKey());
			});
		});
		assertThat(sealed).as("sealed in %s", overlay).containsAll(readSecretKeys(objects));
		assertThat(secretSources().keySet()).as("scripts/lib/secrets.sh").containsAll(sealed);
	}

	/**
	 * An environment's Secrets are sealed for its one cluster: every SealedSecret of its
	 * overlays names the same certificate, and no two environments share one (staging
	 * renders production's overlays first: one it did not seal again would be
	 * production's, which its cluster cannot decrypt).
	 */
	@Test
	void eachEnvironmentShouldSealForItsOwnCluster() {
		Map<String, Set<String>> certificates = new TreeMap<>();
		nonLocalOverlays().forEach((overlay) -> {
			String environment = overlay.substring(overlay.lastIndexOf('/') + 1);
			GitOpsTree.render(overlay)
				.stream()
				.filter((object) -> object.getKind().equals("SealedSecret"))
				.forEach((object) -> certificates.computeIfAbsent(environment, (key) -> new TreeSet<>())
					.add(object.getMetadata().getAnnotations().get("oauth2-demo.gefyra.dev/sealed-for")));
		});
		assertThat(certificates).containsKeys("production", "staging");
		certificates.forEach((environment, sealedFor) -> assertThat(sealedFor)
			.as("the certificates %s's Secrets are sealed for", environment)
			.hasSize(1));
		assertThat(certificates.get("staging")).doesNotContainAnyElementsOf(certificates.get("production"));
	}

	/** "namespace/name/key" of every Secret key a workload reads. */
	private static Set<String> readSecretKeys(List<HasMetadata> objects) {
		Set<String> read = new TreeSet<>();
		for (HasMetadata object : objects) {
			for (Container container : containers(object)) {
				for (EnvVar env : container.getEnv()) {
					if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
						var ref = env.getValueFrom().getSecretKeyRef();
						read.add(object.getMetadata().getNamespace() + "/" + ref.getName() + "/" + ref.getKey());
					}
				}
			}
		}
		return read;
	}

	/**
	 * "namespace/name/key" to its source, as the table of scripts/lib/secrets.sh says.
	 */
	private static Map<String, String> secretSources() {
		Map<String, String> sources = new HashMap<>();
		Matcher row = SECRET_ROW.matcher(GitOpsTree.read("scripts/lib/secrets.sh"));
		while (row.find()) {
			for (String pair : row.group(4).split(" ")) {
				String[] keyValue = pair.split("=", 2);
				sources.put(row.group(2) + "/" + row.group(3) + "/" + keyValue[0], keyValue[1]);
			}
		}
		assertThat(sources).as("rows in scripts/lib/secrets.sh").isNotEmpty();
		return sources;
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
