package dev.gefyra.oauth2demo.kubernetes;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.gefyra.oauth2demo.reload.ActiveClaimMapping;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.error.YAMLException;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Refuses an {@code application.yaml} that is not valid YAML as any other refused
 * settings are refused, and ends the refusal once the ConfigMap holds readable settings
 * again.
 * <p>
 * Spring Cloud Kubernetes only logs such a text and keeps the environment as it was, so
 * {@link ActiveClaimMapping} would never hear of it: no Event, no mark for Argo CD, no
 * metric. This watches the one ConfigMap and tells it. When the settings put back read as
 * the last readable ones did, Spring Cloud Kubernetes sees no change and does not refresh
 * either, so the mapping is checked again from here; any other readable text is a change
 * it refreshes for, and the refresh decides.
 * <p>
 * Only a change of the text counts: the service's own marks on the ConfigMap are updates
 * too. The informer is started in the background and retries until the API server
 * answers, so it cannot hold up or fail the start.
 */
@Component
class UnparseableSettingsWatch implements DisposableBean, ResourceEventHandler<ConfigMap> {

	private final ObjectProvider<KubernetesClient> kubernetes;

	private final Environment environment;

	private final ActiveClaimMapping mapping;

	private volatile @Nullable SharedIndexInformer<ConfigMap> informer;

	// The informer calls the handler from one thread at a time.

	/** The last {@code application.yaml} handled, {@code null} when there is none. */
	private @Nullable String lastText;

	/** The documents of the last text that parsed: what the environment holds. */
	private @Nullable List<Object> lastReadable;

	/** The last text did not parse, and was refused. */
	private boolean refusedUnparseable;

	UnparseableSettingsWatch(ObjectProvider<KubernetesClient> kubernetes, Environment environment,
			ActiveClaimMapping mapping) {
		this.kubernetes = kubernetes;
		this.environment = environment;
		this.mapping = mapping;
	}

	@EventListener(ApplicationReadyEvent.class)
	void start() {
		SettingsConfigMap settings = SettingsConfigMap.of(this.kubernetes, this.environment);
		if (settings == null) {
			return;
		}
		SharedIndexInformer<ConfigMap> started = settings.resource()
			.runnableInformer(0)
			// Fabric8 logs each failed attempt; keep trying, however long the API is
			// away.
			.exceptionHandler((isStarted, failure) -> true)
			.addEventHandler(this);
		this.informer = started;
		started.start();
	}

	@Override
	public void onAdd(ConfigMap configMap) {
		settingsChanged(text(configMap));
	}

	@Override
	public void onUpdate(ConfigMap before, ConfigMap configMap) {
		settingsChanged(text(configMap));
	}

	@Override
	public void onDelete(ConfigMap configMap, boolean finalStateUnknown) {
		settingsChanged(null);
	}

	private void settingsChanged(@Nullable String text) {
		if (Objects.equals(text, this.lastText)) {
			return;
		}
		this.lastText = text;
		if (text == null) {
			// Spring Cloud Kubernetes refreshes for a removal, and the refresh decides.
			this.lastReadable = null;
			this.refusedUnparseable = false;
			return;
		}
		List<Object> documents;
		try {
			documents = ApplicationYaml.parse(text);
		}
		catch (YAMLException ex) {
			this.refusedUnparseable = true;
			this.mapping.refuseUnreadable(ApplicationYaml.notValid(ex));
			return;
		}
		boolean asTheEnvironmentHolds = documents.equals(this.lastReadable);
		this.lastReadable = documents;
		if (this.refusedUnparseable && asTheEnvironmentHolds) {
			this.mapping.recheck();
		}
		this.refusedUnparseable = false;
	}

	private static @Nullable String text(ConfigMap configMap) {
		Map<String, String> data = configMap.getData();
		return (data != null) ? data.get(SettingsConfigMap.CONFIG_KEY) : null;
	}

	@Override
	public void destroy() {
		SharedIndexInformer<ConfigMap> running = this.informer;
		if (running != null) {
			running.close();
		}
	}

}
