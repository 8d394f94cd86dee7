package dev.gefyra.oauth2demo.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.env.Environment;

/**
 * The ConfigMap the settings come from, as Spring Cloud Kubernetes names it:
 * {@code spring.cloud.kubernetes.config.name}, in {@code .namespace} or the client's.
 *
 * @param client the client to reach it with
 * @param namespace its namespace
 * @param name its name
 */
record SettingsConfigMap(KubernetesClient client, String namespace, String name) {

	/** The key Spring Cloud Kubernetes reads the settings from. */
	static final String CONFIG_KEY = "application.yaml";

	/**
	 * Where the settings come from.
	 * @param kubernetes the client, when the service runs in Kubernetes
	 * @param environment the environment naming the ConfigMap
	 * @return the ConfigMap's place, or {@code null} outside Kubernetes or without a name
	 */
	static @Nullable SettingsConfigMap of(ObjectProvider<KubernetesClient> kubernetes, Environment environment) {
		KubernetesClient client = kubernetes.getIfAvailable();
		String name = environment.getProperty("spring.cloud.kubernetes.config.name");
		if (client == null || name == null) {
			return null;
		}
		String namespace = environment.getProperty("spring.cloud.kubernetes.config.namespace",
				String.valueOf(client.getNamespace()));
		return new SettingsConfigMap(client, namespace, name);
	}

	Resource<ConfigMap> resource() {
		return this.client.configMaps().inNamespace(this.namespace).withName(this.name);
	}

	@Override
	public String toString() {
		return "ConfigMap " + this.namespace + "/" + this.name;
	}

}
