package dev.gefyra.oauth2demo.kubernetes;

import java.util.ArrayList;
import java.util.List;

import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The settings' {@code application.yaml} parsed as Spring Cloud Kubernetes parses it
 * (SnakeYAML): where it only logs that the text does not parse, the service reports it,
 * in the same words wherever it does.
 */
final class ApplicationYaml {

	private ApplicationYaml() {
	}

	/**
	 * Parses every document of the text.
	 * @param text the ConfigMap's {@code application.yaml}
	 * @return its documents, equal for texts Spring Cloud Kubernetes reads alike
	 * @throws YAMLException if it is not valid YAML
	 */
	static List<Object> parse(String text) {
		List<Object> documents = new ArrayList<>();
		new Yaml().loadAll(text).forEach(documents::add);
		return documents;
	}

	/**
	 * Why none of the text is applied.
	 * @param failure what {@link #parse(String)} threw
	 * @return the reason, on one line
	 */
	static String notValid(YAMLException failure) {
		return SettingsConfigMap.CONFIG_KEY + " is not valid YAML, so none of it is applied: "
				+ String.valueOf(failure.getMessage()).replace('\n', ' ');
	}

}
