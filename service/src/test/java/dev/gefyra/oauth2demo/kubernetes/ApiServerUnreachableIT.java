package dev.gefyra.oauth2demo.kubernetes;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import dev.gefyra.oauth2demo.ClaimServiceApplication;
import dev.gefyra.oauth2demo.support.ExpectedLogs;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * The Kubernetes API server cannot be reached when the service starts: with
 * {@code fail-fast} off it starts on its built-in settings and picks the ConfigMap up
 * once the API server answers, and a later change after the API server went away and came
 * back; with it on, it stops with one clear message.
 */
@ExtendWith(OutputCaptureExtension.class)
class ApiServerUnreachableIT {

	private static final String NAMESPACE = "unreachable-it";

	/** Where Spring Boot reports a failed start ("APPLICATION FAILED TO START"). */
	private static final String FAILURE_REPORT = "org.springframework.boot.diagnostics.LoggingFailureAnalysisReporter";

	/** fabric8's informer, which fails while the API server cannot be reached. */
	private static final String INFORMER = "io.fabric8.kubernetes.client.informers.impl.cache.Reflector";

	@RegisterExtension
	final ExpectedLogs logs = new ExpectedLogs();

	@Test
	void failFastOffShouldStartOnDefaultsThenServeTheConfigMapOnceTheApiAnswers(CapturedOutput output)
			throws IOException, InterruptedException {
		int apiPort = freePort();
		this.logs.expect(INFORMER, "listSyncAndWatch failed for v1/namespaces/" + NAMESPACE + "/configmaps");
		this.logs.expect(ConfigMapWatchStarter.class,
				"The ConfigMap watch cannot start, the Kubernetes API server did not answer");
		try (ConfigurableApplicationContext context = start(apiPort, false)) {
			WebClient app = WebClient.create("http://127.0.0.1:" + port(context, "local.server.port"));
			WebClient management = WebClient.create("http://127.0.0.1:" + port(context, "local.management.port"));
			assertThat(item(app)).isEqualTo("{\"item_id\":1,\"Email\":\"not given\"}");
			assertThat(management.get().uri("/actuator/claims").retrieve().bodyToMono(String.class).block())
				.contains("\"configMapProblem\":\"ConfigMap " + NAMESPACE + "/oauth2-demo cannot be read");
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(this.logs.messages(ConfigMapWatchStarter.class)).singleElement()
					.asString()
					.contains("serving the settings at hand and retrying"));

			KubernetesMockServer apiServer = startApiServer(apiPort);
			try {
				applyMapping(apiServer, "Mail", NAMESPACE);
				// The watch is retried with backoff capped at 30 s.
				await().atMost(ConfigMapWatchStarter.MAX_BACKOFF.plusSeconds(15))
					.pollInterval(Duration.ofMillis(250))
					.untilAsserted(() -> assertThat(item(app)).isEqualTo("{\"item_id\":1,\"Mail\":\"not given\"}"));
				assertThat(output).contains("The ConfigMap watch started after");
				// UnparseableSettingsWatch's own informer, on this ConfigMap alone.
				awaitWatch(apiServer, (path) -> path.contains("fieldSelector=metadata.name%3Doauth2-demo"),
						"the watch for unparseable settings did not start");
			}
			finally {
				apiServer.destroy();
			}

			// The API server goes away under the running watch and comes back with a
			// later change.
			KubernetesMockServer restarted = startApiServer(apiPort);
			try {
				// Unlike etcd, the mock keeps no history to replay and counts resource
				// versions from 1
				// again: move its count past the one the watch holds, and change once it
				// is back.
				applyMapping(restarted, "Ignored", "elsewhere");
				applyMapping(restarted, "Ignored", "elsewhere-too");
				// Spring Cloud Kubernetes' informer, on every ConfigMap of the namespace.
				awaitWatch(restarted, (path) -> !path.contains("fieldSelector"),
						"the ConfigMap watch did not reconnect");
				applyMapping(restarted, "Address", NAMESPACE);
				await().atMost(Duration.ofSeconds(45))
					.pollInterval(Duration.ofMillis(250))
					.untilAsserted(() -> assertThat(item(app)).isEqualTo("{\"item_id\":1,\"Address\":\"not given\"}"));
			}
			finally {
				restarted.destroy();
			}
		}
	}

	private static void awaitWatch(KubernetesMockServer apiServer, Predicate<String> path, String failure)
			throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
		while (System.nanoTime() < deadline) {
			RecordedRequest request = apiServer.takeRequest(1, TimeUnit.SECONDS);
			if (request != null && request.getPath().contains("watch=true") && path.test(request.getPath())) {
				return;
			}
		}
		throw new AssertionError(failure + " within 45 s");
	}

	private static KubernetesMockServer startApiServer(int port) {
		KubernetesMockServer apiServer = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
				new KubernetesCrudDispatcher(List.of()), false);
		apiServer.init(InetAddress.getLoopbackAddress(), port);
		return apiServer;
	}

	private static void applyMapping(KubernetesMockServer apiServer, String field, String namespace) {
		try (KubernetesClient kubernetes = apiServer.createClient()) {
			kubernetes.configMaps()
				.inNamespace(namespace)
				.resource(new ConfigMapBuilder().withNewMetadata()
					.withName("oauth2-demo")
					.withNamespace(namespace)
					.endMetadata()
					.addToData("application.yaml",
							"claims:\n  mapping:\n    - field: " + field + "\n      claim: email\n")
					.build())
				.create();
		}
	}

	@Test
	void failFastOnShouldStopWithOneClearMessage() throws IOException {
		int apiPort = freePort();
		this.logs.expect(FAILURE_REPORT, "The settings could not be read from the Kubernetes API");
		assertThatException().isThrownBy(() -> start(apiPort, true).close());
		assertThat(this.logs.messages(FAILURE_REPORT)).as("one report")
			.singleElement()
			.asString()
			.contains("APPLICATION FAILED TO START")
			.contains("Connection refused")
			.contains("spring.cloud.kubernetes.config.fail-fast=true stops the service");
	}

	private static ConfigurableApplicationContext start(int apiPort, boolean failFast) {
		return new SpringApplicationBuilder(ClaimServiceApplication.class).run(
				"--spring.main.cloud-platform=kubernetes", "--spring.config.import=optional:kubernetes:",
				"--spring.cloud.kubernetes.client.master-url=http://127.0.0.1:" + apiPort,
				"--spring.cloud.kubernetes.client.namespace=" + NAMESPACE,
				"--spring.cloud.kubernetes.config.fail-fast=" + failFast, "--server.port=0",
				"--management.server.port=0", "--token.verification=none");
	}

	private static String item(WebClient app) {
		return app.get().uri("/items/1").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(5));
	}

	private static int port(ConfigurableApplicationContext context, String property) {
		Environment environment = context.getEnvironment();
		return environment.getRequiredProperty(property, Integer.class);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
