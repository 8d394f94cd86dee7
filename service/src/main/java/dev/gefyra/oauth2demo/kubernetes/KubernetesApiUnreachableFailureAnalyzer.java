package dev.gefyra.oauth2demo.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClientException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * With {@code spring.cloud.kubernetes.config.fail-fast=true}, a ConfigMap that cannot be
 * read stops the start with a chain of client exceptions; this says in one place what
 * happened and what to do.
 */
class KubernetesApiUnreachableFailureAnalyzer extends AbstractFailureAnalyzer<KubernetesClientException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, KubernetesClientException cause) {
		Throwable root = cause;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return new FailureAnalysis(
				"The settings could not be read from the Kubernetes API: " + cause.getMessage().strip() + " ("
						+ root.getClass().getSimpleName() + ": " + root.getMessage() + ").",
				"spring.cloud.kubernetes.config.fail-fast=true stops the service when its ConfigMap cannot be read. "
						+ "Check that the API server is reachable from the Pod and that its ServiceAccount may get, "
						+ "list and watch ConfigMaps in the namespace, or set fail-fast to false to start on the "
						+ "built-in settings and pick the ConfigMap up once the API server answers.",
				cause);
	}

}
