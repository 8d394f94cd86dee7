package dev.gefyra.oauth2demo.kubernetes;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.gefyra.oauth2demo.reload.ActiveClaimMapping;
import dev.gefyra.oauth2demo.reload.ClaimMappingRefused;
import dev.gefyra.oauth2demo.reload.ClaimMappingServed;
import dev.gefyra.oauth2demo.reload.ClaimMappingSnapshot;
import dev.gefyra.oauth2demo.reload.RejectedClaimMapping;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Reports on the ConfigMap, as Kubernetes Events, what this Pod made of it: a Warning
 * when it refused the settings (naming the error and the revision still served), a Normal
 * event when it serves a new revision, and its state once it is ready. So
 * {@code kubectl describe configmap} and {@code kubectl events} show a refused push from
 * every Pod, where Spring Cloud Kubernetes only logs.
 * <p>
 * The Events are written from a thread of their own: a slow or refusing API server never
 * holds up the refresh that swapped the mapping, and a failure is logged once.
 */
@Component
public class ClaimMappingEventRecorder implements DisposableBean {

	/** Reason of the Warning for refused settings. */
	public static final String REFUSED = "ClaimMappingRefused";

	/** Reason of the Normal event for a served revision. */
	public static final String SERVED = "ClaimMappingServed";

	private static final Log logger = LogFactory.getLog(ClaimMappingEventRecorder.class);

	/** core/v1 Events keep at most this much of a message. */
	private static final int MESSAGE_LIMIT = 1024;

	private final ObjectProvider<KubernetesClient> kubernetes;

	private final Environment environment;

	private final ActiveClaimMapping mapping;

	private final Clock clock;

	private final ExecutorService writer = Executors
		.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("claim-mapping-events").factory());

	private volatile boolean failureLogged;

	public ClaimMappingEventRecorder(ObjectProvider<KubernetesClient> kubernetes, Environment environment,
			ActiveClaimMapping mapping) {
		this.kubernetes = kubernetes;
		this.environment = environment;
		this.mapping = mapping;
		this.clock = Clock.systemUTC();
	}

	@EventListener(ApplicationReadyEvent.class)
	public void onReady() {
		RejectedClaimMapping standing = this.mapping.standingRejection();
		if (standing != null) {
			refused(standing, this.mapping.snapshot());
		}
		else {
			served(this.mapping.snapshot());
		}
	}

	@EventListener
	public void onServed(ClaimMappingServed event) {
		served(event.snapshot());
	}

	@EventListener
	public void onRefused(ClaimMappingRefused event) {
		refused(event.rejection(), event.served());
	}

	private void served(ClaimMappingSnapshot snapshot) {
		record("Normal", SERVED,
				pod() + " serves claim mapping revision " + snapshot.revision() + ": " + snapshot.mapping().fields());
	}

	private void refused(RejectedClaimMapping rejection, ClaimMappingSnapshot served) {
		record("Warning", REFUSED, pod() + " refused the claim mapping: " + rejection.error()
				+ "; still serving revision " + served.revision() + ": " + served.mapping().fields());
	}

	private void record(String type, String reason, String message) {
		SettingsConfigMap settings = SettingsConfigMap.of(this.kubernetes, this.environment);
		if (settings == null) {
			return;
		}
		Instant now = this.clock.instant();
		this.writer.execute(() -> write(settings, type, reason, message, now));
	}

	private void write(SettingsConfigMap settings, String type, String reason, String message, Instant at) {
		String namespace = settings.namespace();
		String name = settings.name();
		try {
			ConfigMap configMap = settings.resource().get();
			String timestamp = at.truncatedTo(ChronoUnit.SECONDS).toString();
			Event event = new EventBuilder().withNewMetadata()
				// As client-go's recorder names them: the object, then the time in hex.
				.withName(name + "." + Long.toHexString(at.getEpochSecond() * 1_000_000_000L + at.getNano()))
				.withNamespace(namespace)
				.endMetadata()
				.withNewInvolvedObject()
				.withApiVersion("v1")
				.withKind("ConfigMap")
				.withNamespace(namespace)
				.withName(name)
				.withUid((configMap != null) ? configMap.getMetadata().getUid() : null)
				.withResourceVersion((configMap != null) ? configMap.getMetadata().getResourceVersion() : null)
				.endInvolvedObject()
				.withType(type)
				.withReason(reason)
				.withMessage(limited(message))
				.withNewSource()
				.withComponent("oauth2-demo")
				.endSource()
				.withReportingComponent("oauth2-demo")
				.withReportingInstance(pod())
				.withFirstTimestamp(timestamp)
				.withLastTimestamp(timestamp)
				.withCount(1)
				.build();
			settings.client().v1().events().inNamespace(namespace).resource(event).create();
			this.failureLogged = false;
		}
		catch (KubernetesClientException ex) {
			if (!this.failureLogged) {
				this.failureLogged = true;
				String hint = (ex.getCode() == 403) ? " (the service's Role needs create on events)" : "";
				logger.warn("Cannot record " + reason + " on " + settings + hint + ": " + ex.getMessage());
			}
		}
	}

	private static String limited(String message) {
		return (message.length() <= MESSAGE_LIMIT) ? message : message.substring(0, MESSAGE_LIMIT - 1) + "…";
	}

	/** The Pod's name: the Deployment passes it in; a Pod's host name is its name too. */
	private String pod() {
		String pod = this.environment.getProperty("POD_NAME", this.environment.getProperty("HOSTNAME", ""));
		return pod.isEmpty() ? "the service" : pod;
	}

	@Override
	public void destroy() {
		this.writer.shutdown();
	}

}
