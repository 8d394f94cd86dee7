package dev.gefyra.oauth2demo.reload;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.gefyra.oauth2demo.actuator.ClaimsEndpoint;
import dev.gefyra.oauth2demo.claims.ConfiguredField;
import dev.gefyra.oauth2demo.kubernetes.ClaimMappingEventRecorder;
import dev.gefyra.oauth2demo.kubernetes.RefusedSettingsAnnotation;
import dev.gefyra.oauth2demo.support.ExpectedLogs;
import dev.gefyra.oauth2demo.support.TestIssuer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.kubernetes.commons.config.ConfigUtils;
import org.springframework.cloud.kubernetes.commons.config.NamedSourceData;
import org.springframework.cloud.kubernetes.commons.config.reload.ConfigReloadUtil;
import org.springframework.cloud.kubernetes.commons.config.reload.ConfigurationChangeDetector;
import org.springframework.cloud.kubernetes.fabric8.config.reload.Fabric8EventBasedConfigMapChangeDetector;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ConfigMap changes reach a running service through Spring Cloud Kubernetes' event-based
 * detector, against fabric8's mock API server in CRUD mode (a real HTTP server speaking
 * the Kubernetes API, watches included).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@ActiveProfiles("kubemock")
@DirtiesContext
class ConfigMapReloadIT {

	private static final String NAMESPACE = "claims-it";

	private static final Duration RELOAD_DEADLINE = Duration.ofSeconds(5);

	private static final Set<String> API_SERVER_PROPERTIES = Set.of("kubernetes.master",
			"kubernetes.auth.tryKubeConfig", "kubernetes.auth.tryServiceAccount", "kubernetes.trust.certificates",
			"kubernetes.namespace");

	private static final String MAPPING_A = """
			claims:
			  mapping:
			    - field: Mail
			      claim: email
			    - field: user
			      claim: preferred_username
			""";

	private static final String MAPPING_B = """
			claims:
			  mapping:
			    - field: user
			      claim: preferred_username
			    - field: roles
			      claim: realm_access.roles
			    - field: Mail
			      claim: email
			  missing: "-"
			""";

	private static final String MAPPING_INVALID = """
			claims:
			  mapping:
			    - field: Mail
			      claim: email..address
			""";

	private static final String MAPPING_ONLY_MAIL = """
			claims:
			  mapping:
			    - field: Mail
			      claim: email
			""";

	private static final String MAPPING_ADDRESS = """
			claims:
			  mapping:
			    - field: Address
			      claim: email
			""";

	/**
	 * Tab-indented: not YAML at all, so Spring Cloud Kubernetes never refreshes for it.
	 */
	private static final String MAPPING_TABBED = "claims:\n\tmapping:\n\t\t- field: Address\n";

	private static final String BODY_A = "{\"item_id\":1,\"Mail\":\"john@gefyra.dev\",\"user\":\"john\"}";

	private static final String BODY_B = "{\"item_id\":1,\"user\":\"john\",\"roles\":[\"offline_access\",\"demo-user\"],"
			+ "\"Mail\":\"john@gefyra.dev\"}";

	private static final KubernetesMockServer apiServer = new KubernetesMockServer(new Context(), new MockWebServer(),
			new HashMap<>(), new KubernetesCrudDispatcher(List.of()), false);

	private static KubernetesClient kubernetes;

	private static TestIssuer issuer;

	@RegisterExtension
	final ExpectedLogs logs = new ExpectedLogs();

	@Autowired
	private ApplicationContext context;

	@LocalServerPort
	private int port;

	@LocalManagementPort
	private int managementPort;

	@BeforeAll
	static void startApiServer() {
		apiServer.init(InetAddress.getLoopbackAddress(), 0);
		kubernetes = apiServer.createClient();
		// System properties survive Spring Cloud's environment rebuild;
		// @DynamicPropertySource values do not.
		System.setProperty("kubernetes.master", kubernetes.getMasterUrl().toString());
		System.setProperty("kubernetes.auth.tryKubeConfig", "false");
		System.setProperty("kubernetes.auth.tryServiceAccount", "false");
		System.setProperty("kubernetes.trust.certificates", "true");
		System.setProperty("kubernetes.namespace", NAMESPACE);
		issuer = TestIssuer.start();
	}

	@AfterAll
	static void stopApiServer() {
		API_SERVER_PROPERTIES.forEach(System::clearProperty);
		issuer.close();
		kubernetes.close();
		apiServer.destroy();
	}

	@Test
	void eventBasedConfigMapDetectorShouldBeActive() {
		assertThat(this.context.getBeansOfType(ConfigurationChangeDetector.class).values())
			.hasExactlyElementsOfTypes(Fabric8EventBasedConfigMapChangeDetector.class);
	}

	@Test
	void configMapChangesShouldBeServedWithoutRestart() throws Exception {
		String token = issuer.token();

		applyConfigMap(MAPPING_A);
		awaitItemBody(token, BODY_A);

		RequestLoop loop = new RequestLoop(this.port, token);
		loop.start();
		try {
			applyConfigMap(MAPPING_B);
			awaitItemBody(token, BODY_B);
			loop.awaitBodiesSeen(BODY_B);
		}
		finally {
			loop.stop();
		}
		assertThat(loop.failures).as("non-200 answers during the swap").isEmpty();
		assertThat(loop.bodies.keySet()).as("every answer is A or B, never a mix").isSubsetOf(BODY_A, BODY_B);
		assertThat(loop.bodies.keySet()).contains(BODY_B);
		long revisionB = status().revision();

		this.logs.expect(ActiveClaimMapping.class, "claim path 'email..address' has an empty segment");
		applyConfigMap(MAPPING_INVALID);
		await().atMost(RELOAD_DEADLINE).untilAsserted(() -> {
			RejectedClaimMapping rejected = status().lastRejected();
			assertThat(rejected).isNotNull();
			assertThat(rejected.error()).contains("claim path 'email..address' has an empty segment");
		});
		assertItemBody(token, BODY_B);
		assertThat(status().revision()).isEqualTo(revisionB);
		Event refused = awaitEvent(ClaimMappingEventRecorder.REFUSED, "claim path 'email..address'");
		assertThat(refused.getType()).isEqualTo("Warning");
		assertThat(refused.getMessage()).contains("still serving revision " + revisionB);
		await().atMost(RELOAD_DEADLINE)
			.untilAsserted(() -> assertThat(annotations()).as("the marks Argo CD's health check reads")
				.containsEntry(RefusedSettingsAnnotation.SETTINGS, MAPPING_INVALID)
				.hasEntrySatisfying(RefusedSettingsAnnotation.MESSAGE,
						(message) -> assertThat(message).contains("claim path 'email..address' has an empty segment")));

		applyConfigMap(MAPPING_ONLY_MAIL);
		awaitItemBody(token, "{\"item_id\":1,\"Mail\":\"john@gefyra.dev\"}");
		assertThat(status().revision()).isEqualTo(revisionB + 1);
		assertThat(status().mapping()).containsExactly(new ConfiguredField("Mail", "email"));
		Event served = awaitEvent(ClaimMappingEventRecorder.SERVED, "serves claim mapping revision " + (revisionB + 1));
		assertThat(served.getType()).isEqualTo("Normal");
		await().atMost(RELOAD_DEADLINE)
			.untilAsserted(() -> assertThat(annotations()).as("the marks, once the settings are taken")
				.doesNotContainKeys(RefusedSettingsAnnotation.SETTINGS, RefusedSettingsAnnotation.MESSAGE));
	}

	@Test
	void unparseableSettingsShouldBeRefusedUntilTheLastGoodOnesAreBack() throws Exception {
		String token = issuer.token();
		applyConfigMap(MAPPING_ADDRESS);
		String addressBody = "{\"item_id\":1,\"Address\":\"john@gefyra.dev\"}";
		awaitItemBody(token, addressBody);
		long revision = status().revision();
		String servedText = "serves claim mapping revision " + revision + ": [Address <- email]";
		awaitEvent(ClaimMappingEventRecorder.SERVED, servedText);
		int servedBefore = events(ClaimMappingEventRecorder.SERVED, servedText).size();

		this.logs.expect(ActiveClaimMapping.class, "is not valid YAML, so none of it is applied");
		// Spring Cloud Kubernetes' own account of the text it does not apply.
		this.logs.expect(NamedSourceData.class, "Failure in reading named sources");
		this.logs.expect(ConfigUtils.class, "cannot start any token");
		this.logs.expect("org.springframework.cloud.kubernetes.commons.config.CommonPropertySourceLocator",
				"Failed to load source");
		this.logs.expect(ConfigReloadUtil.class, "No reload will take place");
		applyConfigMap(MAPPING_TABBED);
		Event refused = awaitEvent(ClaimMappingEventRecorder.REFUSED,
				"still serving revision " + revision + ": [Address");
		assertThat(refused.getType()).isEqualTo("Warning");
		assertThat(refused.getMessage()).contains("application.yaml is not valid YAML, so none of it is applied")
			.contains("cannot start any token");
		await().atMost(RELOAD_DEADLINE)
			.untilAsserted(() -> assertThat(annotations()).as("the marks Argo CD's health check reads")
				.containsEntry(RefusedSettingsAnnotation.SETTINGS, MAPPING_TABBED)
				.hasEntrySatisfying(RefusedSettingsAnnotation.MESSAGE,
						(message) -> assertThat(message).contains("application.yaml is not valid YAML")
							.contains("cannot start any token")));
		assertItemBody(token, addressBody);
		assertThat(status().revision()).isEqualTo(revision);
		assertThat(status().lastRejected().error()).contains("is not valid YAML");
		assertThat(refusedSince()).as("claims_mapping_refused_since_seconds").isPositive();

		// Byte for byte what the environment still holds: Spring Cloud Kubernetes sees no
		// change.
		applyConfigMap(MAPPING_ADDRESS);
		await().atMost(RELOAD_DEADLINE)
			.untilAsserted(
					() -> assertThat(events(ClaimMappingEventRecorder.SERVED, servedText)).hasSize(servedBefore + 1)
						.allSatisfy((served) -> assertThat(served.getType()).isEqualTo("Normal")));
		await().atMost(RELOAD_DEADLINE)
			.untilAsserted(() -> assertThat(annotations()).as("the marks, once the settings are readable again")
				.doesNotContainKeys(RefusedSettingsAnnotation.SETTINGS, RefusedSettingsAnnotation.MESSAGE));
		assertThat(refusedSince()).isZero();
		assertThat(status().revision()).isEqualTo(revision);
		assertItemBody(token, addressBody);
	}

	private double refusedSince() {
		return this.context.getBean(MeterRegistry.class).get("claims.mapping.refused.since").gauge().value();
	}

	private static Map<String, String> annotations() {
		ConfigMap configMap = kubernetes.configMaps().inNamespace(NAMESPACE).withName("oauth2-demo").get();
		Map<String, String> annotations = configMap.getMetadata().getAnnotations();
		return (annotations != null) ? annotations : Map.of();
	}

	/**
	 * The Event the service wrote on the ConfigMap with that reason and a message
	 * containing the text, as {@code kubectl describe configmap} lists it.
	 */
	private static Event awaitEvent(String reason, String text) {
		return await().atMost(RELOAD_DEADLINE)
			.until(() -> events(reason, text).stream().findFirst().orElse(null), Objects::nonNull);
	}

	/** The Events on the ConfigMap with that reason and a message containing the text. */
	private static List<Event> events(String reason, String text) {
		return kubernetes.v1()
			.events()
			.inNamespace(NAMESPACE)
			.list()
			.getItems()
			.stream()
			.filter((event) -> reason.equals(event.getReason()) && event.getMessage().contains(text))
			.filter((event) -> "ConfigMap".equals(event.getInvolvedObject().getKind())
					&& "oauth2-demo".equals(event.getInvolvedObject().getName())
					&& NAMESPACE.equals(event.getInvolvedObject().getNamespace()))
			.toList();
	}

	@Test
	void brokenConfigMapsShouldKeepTheLastGoodMappingWhileRequestsFlow() throws Exception {
		String token = issuer.token();
		applyConfigMap(MAPPING_A);
		awaitItemBody(token, BODY_A);
		long revisionA = status().revision();

		List<Breakage> breakages = List.of(
				Breakage.refused("invalid YAML", () -> applyConfigMap("claims:\n  mapping: [\n    - field: Mail\n"),
						"is not valid YAML, so none of it is applied"),
				Breakage.refused("mapping a number", () -> applyConfigMap("claims:\n  mapping: 42\n"),
						"cannot bind 'claims.mapping'"),
				Breakage.refused("entries as strings",
						() -> applyConfigMap("claims:\n  mapping:\n    - Mail\n    - email\n"),
						"cannot bind 'claims.mapping"),
				Breakage.refused("empty mapping", () -> applyConfigMap("claims:\n  mapping: []\n"),
						"claims.mapping lists no field"),
				Breakage.refused("illegal path", () -> applyConfigMap(MAPPING_INVALID), "has an empty segment"),
				Breakage.refused("mapping key removed", () -> applyConfigMap("claims:\n  missing: \"-\"\n"),
						"claims.mapping is no longer set"),
				Breakage.seenInConfigMap("application.yaml key removed",
						() -> applyConfigMapData(Map.of("other.yaml", "a: b\n")), "has no key application.yaml"),
				Breakage.seenInConfigMap("ConfigMap deleted", ConfigMapReloadIT::deleteConfigMap, "does not exist"));

		breakages.stream()
			.filter(Breakage::refused)
			.forEach((breakage) -> this.logs.expect(ActiveClaimMapping.class, breakage.expected()));
		// Spring Cloud Kubernetes' own account of the invalid YAML it does not apply.
		this.logs.expect(NamedSourceData.class, "Failure in reading named sources");
		this.logs.expect(ConfigUtils.class, "while parsing a flow node");
		this.logs.expect("org.springframework.cloud.kubernetes.commons.config.CommonPropertySourceLocator",
				"Failed to load source");
		this.logs.expect(ConfigReloadUtil.class, "No reload will take place");
		RequestLoop loop = new RequestLoop(this.port, token);
		loop.start();
		try {
			for (Breakage breakage : breakages) {
				Instant before = Instant.now();
				breakage.apply().run();
				await().atMost(RELOAD_DEADLINE)
					.pollInterval(Duration.ofMillis(100))
					.untilAsserted(() -> assertThat(breakage.report(status(), before)).as(breakage.name())
						.contains(breakage.expected()));
				loop.awaitBodiesSeen(BODY_A);
			}
			applyConfigMap(MAPPING_B);
			awaitItemBody(token, BODY_B);
			loop.awaitBodiesSeen(BODY_B);
		}
		finally {
			loop.stop();
		}
		System.out.println("broken ConfigMaps: " + breakages.size() + " breakages, " + loop.answered() + " requests, "
				+ loop.failures.size() + " failed");
		assertThat(loop.failures).as("non-200 answers while the ConfigMap was broken").isEmpty();
		assertThat(loop.bodies.keySet()).as("only the last good mapping, then the re-created one")
			.containsExactlyInAnyOrder(BODY_A, BODY_B);
		assertThat(status().revision()).isEqualTo(revisionA + 1);
		assertThat(status().configMapProblem()).isNull();
	}

	/**
	 * A broken ConfigMap and where the endpoint tells of it: a refused mapping (settings
	 * that are not YAML at all included), or, for a key or ConfigMap that is gone, the
	 * ConfigMap check.
	 */
	private record Breakage(String name, Runnable apply, boolean refused, String expected) {

		static Breakage refused(String name, Runnable apply, String error) {
			return new Breakage(name, apply, true, error);
		}

		static Breakage seenInConfigMap(String name, Runnable apply, String problem) {
			return new Breakage(name, apply, false, problem);
		}

		String report(ClaimsEndpoint.ClaimsStatus status, Instant since) {
			if (!this.refused) {
				return String.valueOf(status.configMapProblem());
			}
			RejectedClaimMapping rejected = status.lastRejected();
			return (rejected != null && rejected.rejectedAt().isAfter(since)) ? rejected.error() : "";
		}

	}

	private static void deleteConfigMap() {
		kubernetes.configMaps().inNamespace(NAMESPACE).withName("oauth2-demo").delete();
	}

	private void applyConfigMap(String applicationYaml) {
		applyConfigMapData(Map.of("application.yaml", applicationYaml));
	}

	private static void applyConfigMapData(Map<String, String> data) {
		ConfigMap configMap = new ConfigMapBuilder().withNewMetadata()
			.withName("oauth2-demo")
			.withNamespace(NAMESPACE)
			.endMetadata()
			.withData(data)
			.build();
		kubernetes.configMaps().inNamespace(NAMESPACE).resource(configMap).createOr(NonDeletingOperation::update);
	}

	private ClaimsEndpoint.ClaimsStatus status() {
		return WebClient.create("http://127.0.0.1:" + this.managementPort)
			.get()
			.uri("/actuator/claims")
			.retrieve()
			.bodyToMono(ClaimsEndpoint.ClaimsStatus.class)
			.block(Duration.ofSeconds(5));
	}

	private void awaitItemBody(String token, String body) {
		await().atMost(RELOAD_DEADLINE)
			.pollInterval(Duration.ofMillis(50))
			.untilAsserted(() -> assertItemBody(token, body));
	}

	/**
	 * Asserted on the answer, not with WebTestClient, whose failed assertions log an
	 * ERROR at every poll of {@link #awaitItemBody}.
	 */
	private void assertItemBody(String token, String body) {
		String answer = WebClient.create("http://127.0.0.1:" + this.port)
			.get()
			.uri("/items/1")
			.header("X-Forwarded-Access-Token", token)
			.exchangeToMono((response) -> response.bodyToMono(String.class)
				.defaultIfEmpty("")
				.map((text) -> response.statusCode().value() + " " + text))
			.block(Duration.ofSeconds(5));
		assertThat(answer).isEqualTo("200 " + body);
	}

	/** Requests /items/1 back to back from another thread and records every answer. */
	private static final class RequestLoop {

		private final WebClient client;

		private final String token;

		private final Map<String, Integer> bodies = new ConcurrentHashMap<>();

		private final List<String> failures = new CopyOnWriteArrayList<>();

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final Thread thread;

		RequestLoop(int port, String token) {
			this.client = WebClient.create("http://127.0.0.1:" + port);
			this.token = token;
			this.thread = new Thread(this::run, "request-loop");
		}

		void start() {
			this.thread.start();
		}

		private void run() {
			// Bounded: stops when told to, and never runs past 30 s or 20 000 requests.
			long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
			for (int i = 0; i < 20_000 && this.running.get() && System.nanoTime() < deadline; i++) {
				try {
					var response = this.client.get()
						.uri("/items/1")
						.header("X-Forwarded-Access-Token", this.token)
						.retrieve()
						.toEntity(String.class)
						.block(Duration.ofSeconds(5));
					if (response.getStatusCode().value() != 200 || response.getBody() == null) {
						this.failures.add(response.getStatusCode() + " " + response.getBody());
					}
					else {
						this.bodies.merge(response.getBody(), 1, Integer::sum);
					}
				}
				catch (RuntimeException ex) {
					this.failures.add(ex.toString());
				}
			}
		}

		/** A few answers after the swap, so the loop has really seen it. */
		void awaitBodiesSeen(String body) {
			int seen = this.bodies.getOrDefault(body, 0);
			await().atMost(RELOAD_DEADLINE).until(() -> this.bodies.getOrDefault(body, 0) >= seen + 20);
		}

		int answered() {
			return this.bodies.values().stream().mapToInt(Integer::intValue).sum() + this.failures.size();
		}

		void stop() throws InterruptedException {
			this.running.set(false);
			this.thread.join(Duration.ofSeconds(10));
		}

	}

}
