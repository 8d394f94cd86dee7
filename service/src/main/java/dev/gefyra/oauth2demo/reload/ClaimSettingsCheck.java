package dev.gefyra.oauth2demo.reload;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.gefyra.oauth2demo.claims.ClaimMapping;
import dev.gefyra.oauth2demo.claims.InvalidClaimMappingException;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;

import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.AbstractEnvironment;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.io.ByteArrayResource;

/**
 * Checks the claim settings of rendered manifests before they are pushed, with the rules
 * the running service applies: in each file of YAML documents (what {@code kustomize}
 * prints) it finds the ConfigMap the service reads, reads its {@code application.yaml} as
 * Spring Cloud Kubernetes does, and validates {@code claims.*}. Prints one line per file
 * and returns 1 when any is refused, so a pre-push hook or a pull request check stops the
 * change the Pods would refuse. Run by {@code scripts/check}.
 */
public final class ClaimSettingsCheck {

	private static final String CONFIG_KEY = "application.yaml";

	private ClaimSettingsCheck() {
	}

	/**
	 * Checks each file.
	 * @param args {@code [--config-map NAME] FILE...}; the ConfigMap is
	 * {@code oauth2-demo} unless named
	 */
	public static void main(String[] args) {
		List<String> files = new ArrayList<>(List.of(args));
		String configMap = "oauth2-demo";
		if (files.size() >= 2 && files.get(0).equals("--config-map")) {
			configMap = files.get(1);
			files = files.subList(2, files.size());
		}
		if (files.isEmpty()) {
			System.err.println("usage: ClaimSettingsCheck [--config-map NAME] RENDERED.yaml...");
			System.exit(2);
		}
		boolean refused = false;
		for (String file : files) {
			refused |= !check(Path.of(file), configMap, System.out);
		}
		System.exit(refused ? 1 : 0);
	}

	/**
	 * Checks one file of rendered manifests and prints the verdict.
	 * @param file the YAML documents
	 * @param configMapName the ConfigMap the service reads
	 * @param out where the verdict goes
	 * @return whether the service would take the settings
	 */
	static boolean check(Path file, String configMapName, PrintStream out) {
		String where = file + ": ConfigMap " + configMapName;
		try {
			String applicationYaml = applicationYaml(file, configMapName);
			if (applicationYaml == null) {
				out.println(where + " refused: it is missing, or has no " + CONFIG_KEY + " key");
				return false;
			}
			ClaimMapping mapping = validate(applicationYaml);
			out.println(where + " taken: " + mapping.fields());
			return true;
		}
		catch (InvalidClaimMappingException ex) {
			out.println(where + " refused: " + ex.getMessage());
			return false;
		}
		catch (IOException | YAMLException | IllegalStateException ex) {
			out.println(where + " refused: " + CONFIG_KEY + " cannot be read: " + ex.getMessage());
			return false;
		}
	}

	/**
	 * Validates an {@code application.yaml} as the service does after a refresh: the
	 * mapping must be set, and valid.
	 * @param applicationYaml the ConfigMap's key
	 * @return the mapping it would serve
	 * @throws IOException if it is not YAML
	 * @throws InvalidClaimMappingException if the service would refuse it
	 */
	public static ClaimMapping validate(String applicationYaml) throws IOException {
		// No system properties or environment variables: only what the ConfigMap says.
		ConfigurableEnvironment environment = new AbstractEnvironment() {
		};
		new YamlPropertySourceLoader()
			.load(CONFIG_KEY, new ByteArrayResource(applicationYaml.getBytes(StandardCharsets.UTF_8)))
			.forEach(environment.getPropertySources()::addLast);
		if (!ClaimMappingLoader.isMappingSet(environment)) {
			throw new InvalidClaimMappingException(
					"claims.mapping is not set: Pods that serve a configured mapping refuse its removal");
		}
		return ClaimMappingLoader.load(environment);
	}

	private static @Nullable String applicationYaml(Path file, String configMapName) throws IOException {
		try (Reader reader = Files.newBufferedReader(file)) {
			for (Object document : new Yaml().loadAll(reader)) {
				if (document instanceof Map<?, ?> object && "ConfigMap".equals(object.get("kind"))
						&& object.get("metadata") instanceof Map<?, ?> metadata
						&& configMapName.equals(metadata.get("name"))) {
					return (object.get("data") instanceof Map<?, ?> data && data.get(CONFIG_KEY) instanceof String yaml)
							? yaml : null;
				}
			}
		}
		return null;
	}

}
