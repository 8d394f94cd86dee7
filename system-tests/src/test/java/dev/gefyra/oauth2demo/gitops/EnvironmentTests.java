package dev.gefyra.oauth2demo.gitops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each environment names its hosts once, in
 * gitops/environments/&lt;name&gt;/environment.yaml, and its overlays carry them in
 * exactly the fields that need them; no placeholder of a base survives into anything Argo
 * CD deploys.
 */
class EnvironmentTests {

	private static final String REALM_FILE = "gitops/keycloak/base/realm/demo-realm.json";

	static Stream<String> environments() {
		return GitOpsTree.environments().stream();
	}

	/** What Argo CD applies: every renderable kustomization but the bases. */
	static Stream<String> deployedKustomizations() {
		return GitOpsTreeTests.renderableKustomizations().filter((directory) -> !directory.endsWith("/base"));
	}

	static Stream<Arguments> overlaysInAnEnvironment() {
		return environments().flatMap((environment) -> Stream.of("keycloak", "oauth2-demo")
			.map((component) -> Arguments.of(environment, "gitops/" + component + "/overlays/" + environment)));
	}

	@Test
	void localAndProductionShouldBeEnvironments() {
		assertThat(GitOpsTree.environments()).contains("local", "production");
	}

	@ParameterizedTest
	@MethodSource("environments")
	void environmentShouldNameEachHostInOneFileOnce(String environment) throws IOException {
		for (String host : hosts(environment)) {
			Map<String, Integer> occurrences = new TreeMap<>();
			for (Path file : treeFiles()) {
				int count = occurrences(Files.readString(file), host);
				if (count > 0) {
					occurrences.put(GitOpsTree.ROOT.relativize(file).toString(), count);
				}
			}
			assertThat(occurrences).as(host).containsExactly(Map.entry(GitOpsTree.environmentFile(environment), 1));
		}
	}

	@ParameterizedTest
	@MethodSource("deployedKustomizations")
	void deployedTreeShouldHoldNoPlaceholder(String directory) {
		assertThat(GitOpsTree.renderedText(directory)).doesNotContain(GitOpsTree.PLACEHOLDER_MARK);
	}

	/**
	 * The check above can fail: the bases render with placeholders where environments set
	 * values.
	 */
	@Test
	void basesShouldHoldPlaceholdersWhereEnvironmentsSetValues() {
		for (String base : List.of("gitops/keycloak/base", "gitops/oauth2-demo/base")) {
			String text = GitOpsTree.renderedText(base);
			assertThat(text).as(base).contains(GitOpsTree.PLACEHOLDER_MARK);
			for (String environment : GitOpsTree.environments()) {
				assertThat(hosts(environment)).noneMatch(text::contains);
			}
		}
	}

	/**
	 * Where an environment's URLs end up, value for value: a replacement that misses a
	 * field, writes the wrong URL, or also hits a neighbour (kustomize matches
	 * {@code [name=KC_HOSTNAME]} as a regular expression) changes this map.
	 */
	@ParameterizedTest(name = "{1}")
	@MethodSource("overlaysInAnEnvironment")
	void environmentValuesShouldReachExactlyTheFieldsThatNeedThem(String environment, String overlay) {
		JsonNode values = GitOpsTree.environment(environment);
		URI keycloak = URI.create(values.path("keycloakUrl").asText());
		URI app = URI.create(values.path("appUrl").asText());
		String issuer = keycloak + "/realms/" + GitOpsTree.yamlFile(REALM_FILE).path("realm").asText();
		boolean tls = keycloak.getScheme().equals("https");
		Map<String, String> expected = new TreeMap<>();
		if (overlay.startsWith("gitops/keycloak/")) {
			String container = "Deployment keycloak: spec.template.spec.containers[keycloak]";
			expected.put(container + ".env[KC_HOSTNAME].value", keycloak.toString());
			expected.put(container + ".env[OAUTH2_DEMO_URL].value", app.toString());
			expected.putAll(ingressHosts("keycloak", keycloak.getHost(), tls));
		}
		else {
			String proxy = "Deployment oauth2-demo: spec.template.spec.initContainers[oauth2-proxy]";
			expected.put(proxy + ".env[OAUTH2_PROXY_OIDC_ISSUER_URL].value", issuer);
			expected.put(proxy + ".env[OAUTH2_PROXY_LOGIN_URL].value", issuer + "/protocol/openid-connect/auth");
			expected.put(proxy + ".env[OAUTH2_PROXY_REDIRECT_URL].value", app + "/oauth2/callback");
			expected.put(proxy + ".env[OAUTH2_PROXY_WHITELIST_DOMAINS].value", keycloak.getRawAuthority());
			expected.put("Deployment oauth2-demo: spec.template.spec.containers[service].env[TOKEN_ISSUER].value",
					issuer);
			expected.putAll(ingressHosts("oauth2-demo", app.getHost(), tls));
		}
		assertThat(fieldsNaming(hosts(environment), overlay)).isEqualTo(expected);
	}

	@ParameterizedTest(name = "{1}")
	@MethodSource("overlaysInAnEnvironment")
	void overlayShouldNameNoHostOfAnotherEnvironment(String environment, String overlay) {
		List<String> foreignHosts = GitOpsTree.environments()
			.stream()
			.filter((other) -> !other.equals(environment))
			.flatMap((other) -> hosts(other).stream())
			.toList();
		assertThat(foreignHosts).isNotEmpty();
		assertThat(fieldsNaming(foreignHosts, overlay)).isEmpty();
	}

	private static Map<String, String> ingressHosts(String ingress, String host, boolean tls) {
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("Ingress " + ingress + ": spec.rules[0].host", host);
		if (tls) {
			fields.put("Ingress " + ingress + ": spec.tls[0].hosts[0]", host);
		}
		return fields;
	}

	/**
	 * Every string field of a rendered overlay that contains one of the hosts.
	 * @return "Kind name: path" to value; list elements with a name are indexed by it
	 */
	private static Map<String, String> fieldsNaming(List<String> hosts, String overlay) {
		Map<String, String> found = new TreeMap<>();
		for (JsonNode object : GitOpsTree.yamlDocuments(GitOpsTree.renderedText(overlay))) {
			String where = object.path("kind").asText() + " " + object.path("metadata").path("name").asText() + ": ";
			collect(object, "", (path, value) -> {
				if (hosts.stream().anyMatch(value::contains)) {
					found.put(where + path.substring(1), value);
				}
			});
		}
		return found;
	}

	private static void collect(JsonNode node, String path, BiConsumer<String, String> sink) {
		if (node.isTextual()) {
			sink.accept(path, node.asText());
		}
		else if (node.isArray()) {
			for (int i = 0; i < node.size(); i++) {
				JsonNode element = node.get(i);
				String key = element.path("name").isTextual() ? element.path("name").asText() : String.valueOf(i);
				collect(element, path + "[" + key + "]", sink);
			}
		}
		else {
			node.properties().forEach((field) -> collect(field.getValue(), path + "." + field.getKey(), sink));
		}
	}

	private static List<String> hosts(String environment) {
		JsonNode values = GitOpsTree.environment(environment);
		List<String> hosts = new ArrayList<>();
		for (String key : List.of("keycloakUrl", "appUrl")) {
			String url = values.path(key).asText();
			assertThat(url).as("%s in %s", key, GitOpsTree.environmentFile(environment)).startsWith("http");
			hosts.add(URI.create(url).getHost());
		}
		return hosts;
	}

	private static List<Path> treeFiles() {
		try (Stream<Path> files = Stream.concat(Files.walk(GitOpsTree.ROOT.resolve("gitops")),
				Files.walk(GitOpsTree.ROOT.resolve("argocd")))) {
			return files.filter(Files::isRegularFile).toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static int occurrences(String text, String part) {
		int count = 0;
		for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
			count++;
		}
		return count;
	}

}
