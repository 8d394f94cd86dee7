package dev.gefyra.oauth2demo.gitops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The repository's deployment files as tests see them: kustomizations rendered by
 * {@code kubectl kustomize} (the same renderer Argo CD embeds) and loaded into fabric8's
 * typed models.
 */
final class GitOpsTree {

	static final Path ROOT = findRepositoryRoot();

	static final String ENVIRONMENTS = "gitops/environments";

	private static final YAMLMapper yaml = new YAMLMapper();

	private static final KubernetesSerialization serialization = new KubernetesSerialization();

	/**
	 * What every placeholder of a base holds ({@code set-by-environment},
	 * {@code set-by-argocd/repo}): the value comes from elsewhere at render time.
	 */
	static final String PLACEHOLDER_MARK = "set-by-";

	private static final Map<Path, String> rendered = new LinkedHashMap<>();

	private static final Map<Path, List<HasMetadata>> parsed = new LinkedHashMap<>();

	private GitOpsTree() {
	}

	/**
	 * Renders a kustomization, once per test run.
	 * @param directory the directory holding kustomization.yaml, relative to the
	 * repository
	 * @return its objects, typed where fabric8 has a model, generic otherwise
	 */
	static synchronized List<HasMetadata> render(String directory) {
		return parsed.computeIfAbsent(ROOT.resolve(directory),
				(path) -> yamlDocuments(renderedText(directory)).stream()
					.map((node) -> serialization.unmarshal(node.toString(), HasMetadata.class))
					.toList());
	}

	/**
	 * Renders a kustomization, once per test run.
	 * @param directory the directory holding kustomization.yaml, relative to the
	 * repository
	 * @return the YAML stream kubectl printed
	 */
	static synchronized String renderedText(String directory) {
		return rendered.computeIfAbsent(ROOT.resolve(directory), GitOpsTree::kustomize);
	}

	/**
	 * The environments under gitops/environments, each a directory with an
	 * environment.yaml.
	 */
	static List<String> environments() {
		try (Stream<Path> directories = Files.list(ROOT.resolve(ENVIRONMENTS))) {
			return directories.filter((directory) -> Files.isRegularFile(directory.resolve("environment.yaml")))
				.map((directory) -> directory.getFileName().toString())
				.sorted()
				.toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * An environment's values as its environment.yaml states them.
	 * @param environment the environment's directory name
	 * @return the data of its ConfigMap
	 */
	static JsonNode environment(String environment) {
		return yamlFile(environmentFile(environment)).path("data");
	}

	static String environmentFile(String environment) {
		return ENVIRONMENTS + "/" + environment + "/environment.yaml";
	}

	static List<JsonNode> yamlDocuments(String text) {
		try (MappingIterator<JsonNode> documents = yaml.readerFor(JsonNode.class).readValues(text)) {
			List<JsonNode> nodes = new ArrayList<>();
			while (documents.hasNext()) {
				JsonNode node = documents.next();
				if (node != null && !node.isNull() && !node.isEmpty()) {
					nodes.add(node);
				}
			}
			return nodes;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static JsonNode yamlFile(String file) {
		return yamlDocuments(read(file)).get(0);
	}

	static String read(String file) {
		try {
			return Files.readString(ROOT.resolve(file));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * The pins of scripts/versions.env, with {@code ${NAME}} references to earlier pins
	 * expanded.
	 */
	static Map<String, String> versions() {
		Map<String, String> versions = new LinkedHashMap<>();
		for (String line : read("scripts/versions.env").split("\n")) {
			String trimmed = line.strip();
			if (!trimmed.isEmpty() && !trimmed.startsWith("#") && trimmed.contains("=")) {
				String value = trimmed.substring(trimmed.indexOf('=') + 1);
				for (Map.Entry<String, String> earlier : versions.entrySet()) {
					value = value.replace("${" + earlier.getKey() + "}", earlier.getValue());
				}
				versions.put(trimmed.substring(0, trimmed.indexOf('=')), value);
			}
		}
		return versions;
	}

	/** Every directory below gitops/ and argocd/ that holds a kustomization.yaml. */
	static List<String> kustomizationDirectories() {
		try (Stream<Path> files = Stream.concat(Files.walk(ROOT.resolve("gitops")),
				Files.walk(ROOT.resolve("argocd")))) {
			return files.filter((file) -> file.getFileName().toString().equals("kustomization.yaml"))
				.map((file) -> ROOT.relativize(file.getParent()).toString())
				.sorted()
				.toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String kustomize(Path directory) {
		try {
			Process process = new ProcessBuilder("kubectl", "kustomize", directory.toString()).start();
			process.getOutputStream().close();
			String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IllegalStateException("kubectl kustomize " + ROOT.relativize(directory) + " failed: " + err);
			}
			return out;
		}
		catch (IOException ex) {
			throw new IllegalStateException("rendering gitops/ needs kubectl (it embeds kustomize) on PATH", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static Path findRepositoryRoot() {
		Path directory = Path.of("").toAbsolutePath();
		while (directory != null && !Files.isDirectory(directory.resolve("gitops"))) {
			directory = directory.getParent();
		}
		if (directory == null) {
			throw new IllegalStateException("no gitops/ above " + Path.of("").toAbsolutePath());
		}
		return directory;
	}

}
