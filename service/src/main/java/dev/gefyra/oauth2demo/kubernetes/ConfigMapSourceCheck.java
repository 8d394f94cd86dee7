package dev.gefyra.oauth2demo.kubernetes;

import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.error.YAMLException;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Reads the ConfigMap the settings come from and says what is wrong with it, for
 * {@code /actuator/claims}.
 * <p>
 * When a ConfigMap's {@code application.yaml} does not parse, Spring Cloud Kubernetes
 * logs a warning and keeps the environment as it was, without an event: the last good
 * mapping stays in effect ({@link UnparseableSettingsWatch} reports it as refused). This
 * check parses it as Spring Cloud Kubernetes does ({@link ApplicationYaml}) so the
 * endpoint can show what is wrong now, and also a missing key or ConfigMap.
 */
@Component
public class ConfigMapSourceCheck {

	private final ObjectProvider<KubernetesClient> kubernetes;

	private final Environment environment;

	public ConfigMapSourceCheck(ObjectProvider<KubernetesClient> kubernetes, Environment environment) {
		this.kubernetes = kubernetes;
		this.environment = environment;
	}

	/**
	 * What is wrong with the ConfigMap now.
	 * @return the problem, or {@code null} when it is readable, or when the service does
	 * not run in Kubernetes
	 */
	public @Nullable String problem() {
		SettingsConfigMap settings = SettingsConfigMap.of(this.kubernetes, this.environment);
		if (settings == null) {
			return null;
		}
		String where = settings.toString();
		ConfigMap configMap;
		try {
			configMap = settings.resource().get();
		}
		catch (KubernetesClientException ex) {
			return where + " cannot be read: " + ex.getMessage();
		}
		if (configMap == null) {
			return where + " does not exist";
		}
		Map<String, String> data = configMap.getData();
		String yaml = (data != null) ? data.get(SettingsConfigMap.CONFIG_KEY) : null;
		if (yaml == null) {
			return where + " has no key " + SettingsConfigMap.CONFIG_KEY;
		}
		try {
			ApplicationYaml.parse(yaml);
			return null;
		}
		catch (YAMLException ex) {
			return where + " (resourceVersion " + configMap.getMetadata().getResourceVersion() + "): "
					+ ApplicationYaml.notValid(ex);
		}
	}

}
