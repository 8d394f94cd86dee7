package dev.gefyra.oauth2demo.gitops;

import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;

import org.springframework.util.PropertyPlaceholderHelper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The realm file as Keycloak imports it: Keycloak fills its {@code ${VAR:default}}
 * placeholders from its own environment as text, then reads the JSON.
 */
final class RealmImport {

	static final String REALM_FILE = "gitops/keycloak/base/realm/demo-realm.json";

	private RealmImport() {
	}

	/**
	 * @param keycloakEnvironment Keycloak's environment variables
	 * @return the realm as Keycloak reads it
	 */
	static JsonNode imported(Map<String, String> keycloakEnvironment) {
		PropertyPlaceholderHelper placeholders = new PropertyPlaceholderHelper("${", "}", ":", null, true);
		String imported = placeholders.replacePlaceholders(GitOpsTree.read(REALM_FILE), keycloakEnvironment::get);
		return GitOpsTree.yamlDocuments(imported).get(0);
	}

	/** The realm's one client. */
	static JsonNode client(JsonNode realm) {
		JsonNode clients = realm.path("clients");
		assertThat(clients).hasSize(1);
		return clients.get(0);
	}

	/**
	 * The environment Keycloak runs with in an overlay: the variables with a literal
	 * value (those from Secrets hold no URL or setting of the realm).
	 */
	static Map<String, String> keycloakEnvironment(String overlay) {
		return GitOpsTree.render("gitops/keycloak/overlays/" + overlay)
			.stream()
			.filter(Deployment.class::isInstance)
			.map((object) -> ((Deployment) object).getSpec().getTemplate().getSpec().getContainers().get(0))
			.findFirst()
			.orElseThrow()
			.getEnv()
			.stream()
			.filter((variable) -> variable.getValue() != null)
			.collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
	}

	/**
	 * A boolean as Keycloak's Jackson reads it: a JSON boolean, or the text a placeholder
	 * left ("true", "false"); anything else would fail the import.
	 */
	static boolean bool(JsonNode value) {
		if (value.isBoolean()) {
			return value.booleanValue();
		}
		assertThat(value.asText()).as("a boolean of the realm").isIn("true", "false");
		return Boolean.parseBoolean(value.asText());
	}

}
