package dev.gefyra.oauth2demo.kubernetes;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.gefyra.oauth2demo.claims.InvalidClaimMappingException;
import dev.gefyra.oauth2demo.reload.ClaimMappingRefused;
import dev.gefyra.oauth2demo.reload.ClaimMappingServed;
import dev.gefyra.oauth2demo.reload.ClaimSettingsCheck;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.error.YAMLException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Marks the ConfigMap with the settings the service refuses, for Argo CD's health check
 * ({@code argocd/install/argocd-cm.yaml}): the app shows Degraded, with the refusal's
 * message, exactly while the ConfigMap holds those settings, and Healthy once git holds
 * others.
 * <p>
 * The mark is the refused {@code application.yaml} itself, compared by the health check
 * with the ConfigMap's data, so it cannot go stale: the settings are read back from the
 * API and checked again before they are marked (a newer push may already be there), and
 * the mark is removed once the ConfigMap holds settings the service takes. Argo CD's diff
 * ignores annotations git does not set, so the app stays Synced.
 */
@Component
public class RefusedSettingsAnnotation implements DisposableBean {

	/** The refused {@code application.yaml}, as the ConfigMap held it. */
	public static final String SETTINGS = "oauth2-demo.gefyra.dev/refused-settings";

	/** Why they were refused. */
	public static final String MESSAGE = "oauth2-demo.gefyra.dev/refused-because";

	private static final Log logger = LogFactory.getLog(RefusedSettingsAnnotation.class);

	private final ObjectProvider<KubernetesClient> kubernetes;

	private final Environment environment;

	private final ExecutorService writer = Executors
		.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("refused-settings-annotation").factory());

	private volatile boolean failureLogged;

	public RefusedSettingsAnnotation(ObjectProvider<KubernetesClient> kubernetes, Environment environment) {
		this.kubernetes = kubernetes;
		this.environment = environment;
	}

	@EventListener(ApplicationReadyEvent.class)
	public void onReady() {
		update();
	}

	@EventListener
	public void onServed(ClaimMappingServed event) {
		update();
	}

	@EventListener
	public void onRefused(ClaimMappingRefused event) {
		update();
	}

	private void update() {
		SettingsConfigMap settings = SettingsConfigMap.of(this.kubernetes, this.environment);
		if (settings != null) {
			this.writer.execute(() -> mark(settings));
		}
	}

	private void mark(SettingsConfigMap settings) {
		try {
			ConfigMap configMap = settings.resource().get();
			if (configMap == null) {
				return;
			}
			Map<String, String> annotations = (configMap.getMetadata().getAnnotations() != null)
					? configMap.getMetadata().getAnnotations() : Map.of();
			String text = (configMap.getData() != null) ? configMap.getData().get(SettingsConfigMap.CONFIG_KEY) : null;
			String refusal = (text != null) ? refusal(text) : null;
			Map<String, @Nullable String> wanted = new LinkedHashMap<>();
			wanted.put(SETTINGS, (refusal != null) ? text : null);
			wanted.put(MESSAGE, refusal);
			if (Objects.equals(wanted.get(SETTINGS), annotations.get(SETTINGS))
					&& Objects.equals(wanted.get(MESSAGE), annotations.get(MESSAGE))) {
				return;
			}
			// A JSON merge patch: null removes the annotation.
			String patch = JsonMapper.shared().writeValueAsString(Map.of("metadata", Map.of("annotations", wanted)));
			settings.resource().patch(PatchContext.of(PatchType.JSON_MERGE), patch);
			this.failureLogged = false;
		}
		catch (KubernetesClientException ex) {
			if (!this.failureLogged) {
				this.failureLogged = true;
				String hint = (ex.getCode() == 403) ? " (the service's Role needs patch on this ConfigMap)" : "";
				logger.warn("Cannot mark " + settings + " for Argo CD's health check" + hint + ": " + ex.getMessage());
			}
		}
	}

	/**
	 * Why the service refuses these settings, or null when it takes them; the same words
	 * from every Pod, so they do not patch it in turn.
	 */
	private static @Nullable String refusal(String settings) {
		String keep = "; the Pods keep serving their last good mapping (their Events on the ConfigMap say which)";
		try {
			ApplicationYaml.parse(settings);
			ClaimSettingsCheck.validate(settings);
			return null;
		}
		catch (YAMLException ex) {
			return "The claim settings are refused: " + ApplicationYaml.notValid(ex) + keep;
		}
		catch (InvalidClaimMappingException ex) {
			return "The claim mapping is refused: " + ex.getMessage() + keep;
		}
		catch (IOException | RuntimeException ex) {
			return "The claim settings cannot be read: " + ex.getMessage() + keep;
		}
	}

	@Override
	public void destroy() {
		this.writer.shutdown();
	}

}
