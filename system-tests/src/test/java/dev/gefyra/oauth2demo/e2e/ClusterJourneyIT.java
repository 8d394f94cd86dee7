package dev.gefyra.oauth2demo.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The user's journey on the node's cluster, in headless Chromium through the Ingress: log
 * in, change the mapping by git push, ship code by git push under steady load, see Argo
 * CD (and the app's autoscaler, for its replicas) undo drift, and lose the Keycloak,
 * PostgreSQL and app Pods. Run by {@code scripts/test/cluster-journey}, which clones the
 * repository the cluster serves and maps the environment's hosts to the Ingress; the
 * cluster runs the starting tree again afterwards.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterJourneyIT {

	private static final String APP_URL = LocalStack.PROXY;

	private static final String ITEM = APP_URL + "/items/123";

	private static final String JOHN = "john@gefyra.dev";

	private static final String JANE = "jane@gefyra.dev";

	/** Jane signs in as jane@gefyra.dev; her email claim is another address. */
	private static final JsonNode JANES_ANSWER = LocalStack
		.parse("{\"item_id\":123,\"Email\":\"jane.doe@gefyra.dev\"}");

	private static final JsonNode JOHNS_ANSWER = LocalStack.parse("{\"item_id\":123,\"Email\":\"john@gefyra.dev\"}");

	private static final Map<String, String> STARTING_MAPPING = Map.of("Email", "email");

	/** Above the 50 requests per second the rollout must answer without a failure. */
	private static final int REQUESTS_PER_SECOND = 60;

	private static final int REQUIRED_REQUESTS_PER_SECOND = 50;

	/** How long the new Pods are loaded alone once a rollout is over. */
	private static final Duration NEW_PODS_LOAD = Duration.ofSeconds(60);

	/** Generous bounds: the designed reload is seen within seconds, not minutes. */
	private static final double PUSH_TO_ANSWER_MEDIAN_LIMIT_S = 15;

	private static final double PUSH_TO_ANSWER_MAX_LIMIT_S = 60;

	/** A refused push is visible where GitOps users look within this. */
	private static final double REFUSAL_SEEN_LIMIT_S = 15;

	private static final Path screenshots = Path.of(LocalStack.env("E2E_SCREENSHOTS", "target/e2e"));

	private static final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.followRedirects(HttpClient.Redirect.NEVER)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private static JourneyResults results;

	private static NodeCluster cluster;

	private static GitopsClone clone;

	private static ChromeDriver browser;

	private static WebDriverWait wait;

	private static String startingImage;

	@BeforeAll
	static void start() throws IOException {
		results = new JourneyResults(Path.of(LocalStack.required("JOURNEY_RESULTS")));
		cluster = new NodeCluster();
		clone = new GitopsClone(Path.of(LocalStack.required("JOURNEY_CLONE")));
		assertThat(cluster.application(NodeCluster.APP)).isEqualTo("Synced/Healthy");
		List<Pod> app = cluster.settledAppPods();
		assertThat(app).as("the app's Pods, all Ready").isNotEmpty();
		startingImage = NodeCluster.image(app.get(0), "service");
		Files.createDirectories(screenshots);
		browser = HeadlessChromium.start();
		wait = new WebDriverWait(browser, Duration.ofSeconds(30));
	}

	@AfterAll
	static void leaveTheClusterAsItWasFound() {
		try {
			if (clone != null) {
				clone.pushStartingTree();
				await("the starting image to serve again, Synced and Healthy", Duration.ofMinutes(5),
						() -> serveImage(startingImage)
								&& "Synced/Healthy".equals(cluster.application(NodeCluster.APP)));
			}
		}
		finally {
			if (browser != null) {
				browser.quit();
			}
			if (cluster != null) {
				cluster.close();
			}
		}
	}

	@Test
	@Order(1)
	void johnShouldLogInThroughTheIngressAndSeeHisItem() throws IOException {
		browser.get(ITEM);
		wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
		assertThat(browser.getCurrentUrl()).startsWith(LocalStack.ISSUER + "/protocol/openid-connect/auth");
		screenshot("cluster-login-page.png");
		assertThat(logIn()).isEqualTo(JOHNS_ANSWER);
		screenshot("cluster-item.png");
	}

	@Test
	@Order(2)
	void meShouldShowTheTokenKeycloakIssuedInTheCluster() {
		browser.get(APP_URL + "/me");
		JsonNode me = body();
		assertThat(me.path("Token").path("iss").asString()).isEqualTo(LocalStack.ISSUER);
		assertThat(me.path("Token").path("email").asString()).isEqualTo(JOHN);
		assertThat(me.path("Token").path("azp").asString()).isEqualTo("oauth2-demo");
		assertThat(me.path("Token").path("aud").toString()).contains("\"oauth2-demo\"");
		assertThat(me.path("mapped").path("Email").asString()).isEqualTo(JOHN);
	}

	@Test
	@Order(3)
	void signingOutShouldEndBothSessions() {
		browser.get(APP_URL + "/oauth2/sign_out");
		assertThat(browser.manage().getCookies()).noneMatch((cookie) -> cookie.getName().startsWith("_oauth2_demo"));
		browser.get(ITEM);
		// Keycloak asks again: its session ended too (otherwise it would send the browser
		// straight back).
		wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
		assertThat(logIn()).isEqualTo(JOHNS_ANSWER);
		results.put("login", "ok");
	}

	@Test
	@Order(4)
	void mappingsPushedToGitShouldBeAnsweredInTheSameSessionWithoutARestart() throws IOException {
		List<Pod> starting = cluster.settledAppPods();
		assertThat(starting).as("the app's Pods, all Ready, before the pushes").isNotEmpty();
		Set<String> before = uids(starting);
		List<Double> seconds = new ArrayList<>();
		seconds.add(pushMappingUntilAnswered(mapping("Email", "email", "Name", "preferred_username"),
				"Map Name <- preferred_username", (answer) -> JOHN.equals(answer.path("Name").asString())));
		Refusal refusal = pushInvalidMappingUntilRefused(mapping("Email", "email", "Name ", "preferred_username"));
		assertThat(itemInBrowser().path("Name").asString()).as("the last good mapping, still served").isEqualTo(JOHN);
		long fixed = System.nanoTime();
		seconds.add(pushMappingUntilAnswered(mapping("Email", "email", "Username", "preferred_username"),
				"Map Username <- preferred_username instead of the refused Name",
				(answer) -> JOHN.equals(answer.path("Username").asString()) && !answer.has("Name")));
		await("Argo CD to show the app Synced and Healthy once the fix is pushed", Duration.ofMinutes(1),
				() -> "Synced/Healthy".equals(cluster.application(NodeCluster.APP)));
		double fixedHealthySeconds = secondsSince(fixed);
		seconds
			.add(pushMappingUntilAnswered(mapping("Email", "email", "Username", "preferred_username", "Issuer", "iss"),
					"Map Issuer <- iss", (answer) -> LocalStack.ISSUER.equals(answer.path("Issuer").asString())));
		seconds.add(
				pushMappingUntilAnswered(STARTING_MAPPING, "Map Email <- email only, as before", JOHNS_ANSWER::equals));
		List<Pod> after = cluster.settledAppPods();
		assertThat(uids(after)).as("the same Pods served every mapping").isEqualTo(before);
		assertThat(after).as("container restarts").allMatch((pod) -> NodeCluster.restarts(pod) == 0);
		seconds.sort(Double::compare);
		double median = seconds.get(seconds.size() / 2);
		double max = seconds.get(seconds.size() - 1);
		assertThat(seconds).as("answered pushes").hasSize(4);
		assertThat(median).as("push to answer, median (s)").isLessThan(PUSH_TO_ANSWER_MEDIAN_LIMIT_S);
		assertThat(max).as("push to answer, slowest (s)").isLessThan(PUSH_TO_ANSWER_MAX_LIMIT_S);
		assertThat(refusal.eventSeconds()).as("push to every Pod's refusal Event (s)").isLessThan(REFUSAL_SEEN_LIMIT_S);
		assertThat(refusal.degradedSeconds()).as("push to Argo CD's Degraded with the message (s)")
			.isLessThan(REFUSAL_SEEN_LIMIT_S);
		assertThat(fixedHealthySeconds).as("push of the fix to Healthy (s)").isLessThan(PUSH_TO_ANSWER_MAX_LIMIT_S);
		results.putSeconds("push_to_answer_p50_s", median);
		results.putSeconds("push_to_answer_max_s", max);
		results.putSeconds("push_to_refused_s", refusal.eventSeconds());
		results.putSeconds("refused_degraded_s", refusal.degradedSeconds());
		results.putSeconds("fixed_healthy_s", fixedHealthySeconds);
		results.put("answered_pushes", String.valueOf(seconds.size()));
	}

	@Test
	@Order(5)
	void accessRulesPushedToGitShouldDecideWhoIsAnswered() throws IOException {
		long started = System.nanoTime();
		clone.commitAccessRules("""
				        - path: /items/**
				          require:
				            groups: [engineering]
				""", "Only group engineering may read items");
		clone.push();
		await("john's browser to get 403 naming the rule", Duration.ofMinutes(2), () -> {
			browser.get(ITEM);
			String page = browser.findElement(By.tagName("body")).getText();
			return page.contains("\"status\":403") && page.contains("requires group engineering")
					&& !page.contains(JOHN);
		});
		double forbiddenSeconds = secondsSince(started);
		screenshot("cluster-access-forbidden.png");

		try {
			switchUser(JANE);
			assertThat(itemInBrowser()).as("jane, in group engineering").isEqualTo(JANES_ANSWER);
		}
		finally {
			// The later steps load the app with john's session, whatever happened here.
			switchUser(JOHN);
		}
		assertThat(browser.findElement(By.tagName("body")).getText()).as("john, after logging in again")
			.contains("\"status\":403");

		started = System.nanoTime();
		clone.commitAccessRules("""
				        - path: /items/**
				""", "Any verified token may read items");
		clone.push();
		await("john to be answered once a push lets him in", Duration.ofMinutes(2),
				() -> JOHNS_ANSWER.equals(itemInBrowser()));
		double letInSeconds = secondsSince(started);

		clone.commitAccessRules("""
				        - path: items/**
				""", "A rule without its leading slash (refused)");
		clone.pushSkippingHooks();
		await("Argo CD to show the refused rule as Degraded", Duration.ofMinutes(1),
				() -> "Synced/Degraded".equals(cluster.application(NodeCluster.APP))
						&& cluster.resourceHealthMessage(NodeCluster.APP, "ConfigMap", NodeCluster.APP)
							.contains("claims.access[0].path 'items/**' must start with '/'"));
		assertThat(itemInBrowser()).as("the last good rules, still served").isEqualTo(JOHNS_ANSWER);

		clone.commitAccessRules("", "No access rules, as before");
		clone.push();
		await("the app Healthy again, without rules", Duration.ofMinutes(1),
				() -> "Synced/Healthy".equals(cluster.application(NodeCluster.APP))
						&& everyAppPod((pod) -> cluster.claims(pod).path("access").isArray()
								&& cluster.claims(pod).path("access").isEmpty()));
		assertThat(itemInBrowser()).isEqualTo(JOHNS_ANSWER);
		assertThat(forbiddenSeconds).as("push to 403 (s)").isLessThan(PUSH_TO_ANSWER_MAX_LIMIT_S);
		assertThat(letInSeconds).as("push to answered (s)").isLessThan(PUSH_TO_ANSWER_MAX_LIMIT_S);
		results.putSeconds("access_forbidden_s", forbiddenSeconds);
		results.putSeconds("access_let_in_s", letInSeconds);
		results.put("access_rules", "ok");
	}

	@Test
	@Order(6)
	void codeShippedByGitShouldRollOutWithoutAFailedRequest() throws IOException, InterruptedException {
		String greeting = "Shipped " + Long.toString(System.currentTimeMillis(), 36);
		clone.commitGreeting(greeting);
		String oldImage = NodeCluster.image(cluster.settledAppPods().get(0), "service");
		SteadyLoad.Report report;
		double shipToServing;
		double buildAndPush;
		try (SteadyLoad load = SteadyLoad.start(URI.create(ITEM), sessionCookies(), ClusterJourneyIT::isJohnsAnswer,
				REQUESTS_PER_SECOND)) {
			long started = System.nanoTime();
			clone.ship();
			buildAndPush = secondsSince(started);
			await("GET / to answer the new greeting", Duration.ofMinutes(5),
					() -> greeting.equals(LocalStack.parse(getWithSession(APP_URL + "/")).path("Hello").asString()));
			shipToServing = secondsSince(started);
			// Until the old Pods are gone: their preStop and graceful shutdown are part
			// of the rollout.
			await("the rollout to finish: every Pod Ready on the new image, the old ones gone", Duration.ofMinutes(5),
					() -> {
						List<Pod> app = cluster.settledAppPods();
						return !app.isEmpty()
								&& app.stream().noneMatch((pod) -> NodeCluster.image(pod, "service").equals(oldImage));
					});
			report = load.stop();
		}
		String newImage = NodeCluster.image(cluster.settledAppPods().get(0), "service");
		assertThat(newImage).endsWith("/oauth2-demo-service:" + clone.codeCommit()
				+ (GitopsClone.shipOptions().contains("--no-aot-cache") ? "-no-aot-cache" : ""));
		assertThat(serveImage(newImage)).as("every Pod runs " + newImage).isTrue();
		browser.get(APP_URL + "/");
		assertThat(body().path("Hello").asString()).isEqualTo(greeting);
		assertThat(report.failed()).as("failed requests during the rollout: %s", report.failures()).isZero();
		assertThat(report.perSecond()).as("requests per second during the rollout")
			.isGreaterThanOrEqualTo(REQUIRED_REQUESTS_PER_SECOND);
		results.putSeconds("ship_to_serving_s", shipToServing);
		results.putSeconds("ship_build_and_push_s", buildAndPush);
		results.put("rollout_failed_requests", String.valueOf(report.failed()));
		results.put("rollout_requests", String.valueOf(report.answered()));
		results.putSeconds("rollout_requests_per_s", report.perSecond());

		// Where users feel the warm-up: the first minute of the new Pods alone, at the
		// same rate through the Ingress.
		SteadyLoad.Report firstMinute;
		try (SteadyLoad load = SteadyLoad.start(URI.create(ITEM), sessionCookies(), ClusterJourneyIT::isJohnsAnswer,
				REQUESTS_PER_SECOND)) {
			Thread.sleep(NEW_PODS_LOAD);
			firstMinute = load.stop();
		}
		assertThat(firstMinute.failed()).as("failed requests to the new Pods: %s", firstMinute.failures()).isZero();
		assertThat(firstMinute.answered()).as("requests answered by the new Pods in their first minute")
			.isGreaterThanOrEqualTo((int) (REQUIRED_REQUESTS_PER_SECOND * NEW_PODS_LOAD.toSeconds()));
		results.put("new_pods_p50_ms", String.format(Locale.ROOT, "%.1f", firstMinute.p50Millis()));
		results.put("new_pods_p99_ms", String.format(Locale.ROOT, "%.1f", firstMinute.p99Millis()));
	}

	@Test
	@Order(7)
	void argoCdShouldUndoDriftWhileEveryRequestIsAnswered() {
		Deployment deployment = cluster.appDeployment().get();
		int fewest = cluster.client.autoscaling()
			.v2()
			.horizontalPodAutoscalers()
			.inNamespace(NodeCluster.APP)
			.withName(NodeCluster.APP)
			.get()
			.getSpec()
			.getMinReplicas();
		String component = deployment.getMetadata().getLabels().get("app.kubernetes.io/component");
		ConfigMap configMap = cluster.client.configMaps().inNamespace(NodeCluster.APP).withName(NodeCluster.APP).get();
		List<Deployment> seen = new CopyOnWriteArrayList<>();
		SteadyLoad.Report report;
		Map<String, Double> undone = new LinkedHashMap<>();
		try (Watch watch = cluster.appDeployment().watch(recordInto(seen));
				SteadyLoad load = SteadyLoad.start(URI.create(ITEM), sessionCookies(), ClusterJourneyIT::isJohnsAnswer,
						REQUESTS_PER_SECOND)) {
			long started = System.nanoTime();
			// The replicas are the autoscaler's (git states none: Argo CD leaves them
			// alone). One below its minimum is drift it undoes within its sync period,
			// whatever the load asks for; the watch shows the drift before the undoing.
			cluster.appDeployment().scale(fewest - 1);
			awaitSeenInOrder(seen,
					"the Deployment scaled to " + (fewest - 1) + ", then by its autoscaler to " + fewest + " or more",
					(state) -> state.getSpec().getReplicas() == fewest - 1,
					(state) -> state.getSpec().getReplicas() >= fewest);
			undone.put("selfheal_scale_s", secondsSince(started));
			seen.clear();
			started = System.nanoTime();
			// What kubectl edit sends: a strategic merge patch.
			cluster.appDeployment()
				.patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
						"{\"metadata\":{\"labels\":{\"app.kubernetes.io/component\":\"edited-by-hand\"}}}");
			awaitSeenInOrder(seen, "the label edited by hand, then " + component + " again",
					(state) -> "edited-by-hand".equals(component(state)),
					(state) -> component.equals(component(state)));
			undone.put("selfheal_edit_s", secondsSince(started));
			started = System.nanoTime();
			cluster.client.resource(configMap).delete();
			await("Argo CD to bring the ConfigMap back", Duration.ofMinutes(3), () -> {
				ConfigMap current = cluster.client.configMaps()
					.inNamespace(NodeCluster.APP)
					.withName(NodeCluster.APP)
					.get();
				// A new UID: the deletion took effect and this is Argo CD's copy.
				return current != null && !current.getMetadata().getUid().equals(configMap.getMetadata().getUid())
						&& current.getData().equals(configMap.getData());
			});
			undone.put("selfheal_configmap_s", secondsSince(started));
			await("the app Synced and Healthy, its Pods Ready", Duration.ofMinutes(3),
					() -> "Synced/Healthy".equals(cluster.application(NodeCluster.APP))
							&& !cluster.settledAppPods().isEmpty());
			report = load.stop();
		}
		assertThat(report.failed()).as("failed requests while drift was undone: %s", report.failures()).isZero();
		assertThat(report.perSecond()).as("requests per second while drift was undone")
			.isGreaterThanOrEqualTo(REQUIRED_REQUESTS_PER_SECOND);
		List<Pod> app = cluster.settledAppPods();
		assertThat(app).as("the app's Pods, all Ready, after the drift").isNotEmpty();
		for (Pod pod : app) {
			assertThat(served(cluster.claims(pod), STARTING_MAPPING)).as("%s serves the starting mapping", podName(pod))
				.isTrue();
		}
		undone.forEach(results::putSeconds);
		results.put("selfheal_requests", String.valueOf(report.answered()));
		results.putSeconds("selfheal_requests_per_s", report.perSecond());
		results.put("selfheal", "ok");
	}

	@Test
	@Order(8)
	void deletedPodsShouldComeBackWithTheirDataAndTheSession() throws Exception {
		String johnsId = KeycloakAdmin.signIn().user(JOHN).path("id").asString();
		String volume = cluster.client.persistentVolumeClaims()
			.inNamespace("postgresql")
			.withName("data-postgresql-0")
			.get()
			.getSpec()
			.getVolumeName();
		Map<String, String> experienced = new LinkedHashMap<>();

		restart("keycloak", "keycloak", Duration.ofMinutes(8));
		awaitJohnStored(johnsId);
		experienced.put("keycloak", browserExperience());

		restart("postgresql", "postgresql", Duration.ofMinutes(3));
		assertThat(cluster.client.persistentVolumeClaims()
			.inNamespace("postgresql")
			.withName("data-postgresql-0")
			.get()
			.getSpec()
			.getVolumeName()).as("PostgreSQL's volume").isEqualTo(volume);
		awaitJohnStored(johnsId);
		experienced.put("postgresql", browserExperience());

		Pod deleted = cluster.settledAppPods().get(0);
		long started = System.nanoTime();
		cluster.client.resource(deleted).delete();
		experienced.put("app_while_replaced", browserExperience());
		await("a new Ready Pod of the app in place of " + podName(deleted), Duration.ofMinutes(3),
				() -> !cluster.settledAppPods().isEmpty()
						&& !uids(cluster.settledAppPods()).contains(deleted.getMetadata().getUid()));
		results.putSeconds("restart_app_s", secondsSince(started));
		// The replacement is the newest of the app's Pods.
		Pod replacement = cluster.settledAppPods()
			.stream()
			.max(Comparator.comparing((Pod pod) -> Instant.parse(pod.getMetadata().getCreationTimestamp())))
			.orElseThrow();
		results.put("app_pod_ready_s", Long.toString(NodeCluster.secondsToReady(replacement)));
		experienced.put("app", browserExperience());

		// The proxy's session lives in Redis and Keycloak's in PostgreSQL: no Pod above
		// holds a session, so none of them may cost the user a login.
		assertThat(experienced).as("what the browser saw after each Pod came back")
			.containsOnlyKeys("keycloak", "postgresql", "app_while_replaced", "app")
			.allSatisfy((pod, seen) -> assertThat(seen).as(pod).isEqualTo("answered"));
		results.put("restart_experience",
				experienced.entrySet().stream().map(Object::toString).collect(Collectors.joining(",")));
		// The realm and its users, from PostgreSQL, after both restarts: a new login
		// works.
		browser.get(APP_URL + "/oauth2/sign_out");
		browser.get(ITEM);
		wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
		assertThat(logIn()).isEqualTo(JOHNS_ANSWER);
		results.put("restarts", "ok");
	}

	/** Deletes the Pod and waits for its replacement to be Ready; records how long. */
	private static void restart(String namespace, String name, Duration limit) {
		Pod old = cluster.readyPod(namespace, name);
		assertThat(old).as("one Ready Pod %s/%s", namespace, name).isNotNull();
		long started = System.nanoTime();
		cluster.client.resource(old).delete();
		await("a new Ready Pod " + namespace + "/" + name, limit, () -> {
			Pod current = cluster.readyPod(namespace, name);
			return current != null
					&& !current.getMetadata().getUid().equals(Objects.requireNonNull(old).getMetadata().getUid());
		});
		results.putSeconds("restart_" + name + "_s", secondsSince(started));
		results.put(name + "_pod_ready_s",
				Long.toString(NodeCluster.secondsToReady(Objects.requireNonNull(cluster.readyPod(namespace, name)))));
	}

	/**
	 * John's stored id is unchanged: the realm was not imported again into an empty
	 * database.
	 */
	private static void awaitJohnStored(String id) {
		await("Keycloak's admin API to show john with id " + id, Duration.ofMinutes(3),
				() -> id.equals(KeycloakAdmin.signIn().user(JOHN).path("id").asString()));
	}

	/** What a logged-in browser sees on the item now: the answer, or Keycloak's login. */
	private static String browserExperience() {
		browser.get(ITEM);
		if (!browser.findElements(By.id("username")).isEmpty()) {
			logIn();
			return "login again";
		}
		String text = browser.findElement(By.tagName("body")).getText();
		return isJohnsAnswer(text) ? "answered" : "error: " + text.substring(0, Math.min(120, text.length()));
	}

	private static double pushMappingUntilAnswered(Map<String, String> fields, String message,
			Predicate<JsonNode> answered) throws IOException {
		clone.commitMapping(fields, message);
		long started = System.nanoTime();
		clone.push();
		await("the answer after \"" + message + "\"", Duration.ofMinutes(2), () -> answered.test(itemInBrowser()));
		double seconds = secondsSince(started);
		// The first answer came from one Pod; every Pod serves the mapping soon after.
		await("every Pod to serve the mapping of \"" + message + "\"", Duration.ofSeconds(30),
				() -> everyAppPod((pod) -> served(cluster.claims(pod), fields)));
		return seconds;
	}

	/**
	 * The answer a refused mapping gets: /actuator/claims names it, newer than the push,
	 * and each Pod's Warning Event on the ConfigMap says so where {@code kubectl describe
	 * configmap} shows it, and Argo CD shows the app Degraded with the refusal while it
	 * stays Synced.
	 */
	private static Refusal pushInvalidMappingUntilRefused(Map<String, String> fields) throws IOException {
		clone.commitMapping(fields, "Map \"Name \" (white space at its end: refused)");
		Instant pushed = Instant.now();
		long started = System.nanoTime();
		clone.pushSkippingHooks();
		await("every Pod's /actuator/claims to report the refused mapping", Duration.ofMinutes(2),
				() -> everyAppPod((pod) -> {
					JsonNode rejected = cluster.claims(pod).path("lastRejected");
					return rejected.path("error").asString().contains("'Name '")
							&& Instant.parse(rejected.path("rejectedAt").asString()).isAfter(pushed);
				}));
		await("a Warning Event on the ConfigMap from every Pod, naming the refused field", Duration.ofMinutes(1),
				() -> everyAppPod((pod) -> refusedEventsSince(pushed).stream()
					.anyMatch((event) -> event.getMessage().startsWith(podName(pod) + " refused"))));
		double eventSeconds = secondsSince(started);
		await("Argo CD to show the app Synced and Degraded, its ConfigMap naming the refused field",
				Duration.ofMinutes(1),
				() -> "Synced/Degraded".equals(cluster.application(NodeCluster.APP))
						&& cluster.resourceHealthMessage(NodeCluster.APP, "ConfigMap", NodeCluster.APP)
							.contains("'Name '"));
		return new Refusal(eventSeconds, secondsSince(started));
	}

	/** Seconds from a refused push to every Pod's Event, and to Argo CD's Degraded. */
	private record Refusal(double eventSeconds, double degradedSeconds) {

	}

	private static List<Event> refusedEventsSince(Instant pushed) {
		Instant second = pushed.truncatedTo(ChronoUnit.SECONDS);
		return cluster.client.v1()
			.events()
			.inNamespace(NodeCluster.APP)
			.list()
			.getItems()
			.stream()
			.filter((event) -> "Warning".equals(event.getType()) && "ClaimMappingRefused".equals(event.getReason()))
			.filter((event) -> "ConfigMap".equals(event.getInvolvedObject().getKind())
					&& NodeCluster.APP.equals(event.getInvolvedObject().getName()))
			.filter((event) -> event.getMessage().contains("'Name '")
					&& !Instant.parse(event.getLastTimestamp()).isBefore(second))
			.toList();
	}

	/** Every Pod of the app runs that image, and only those Pods are there. */
	private static boolean serveImage(String image) {
		return everyAppPod((pod) -> NodeCluster.image(pod, "service").equals(image));
	}

	/** False while the app has no settled Pod: "every Pod" of none proves nothing. */
	private static boolean everyAppPod(Predicate<Pod> condition) {
		List<Pod> app = cluster.settledAppPods();
		return !app.isEmpty() && app.stream().allMatch(condition);
	}

	private static Watcher<Deployment> recordInto(List<Deployment> seen) {
		return new Watcher<>() {

			@Override
			public void eventReceived(Action action, Deployment deployment) {
				seen.add(deployment);
			}

			@Override
			public void onClose(WatcherException cause) {
			}

		};
	}

	/**
	 * Waits until the watch has shown a state matching drifted, then a later one matching
	 * undone.
	 */
	private static void awaitSeenInOrder(List<Deployment> seen, String what, Predicate<Deployment> drifted,
			Predicate<Deployment> undone) {
		await(what, Duration.ofMinutes(3), () -> {
			List<Deployment> states = List.copyOf(seen);
			int drift = indexOfFirst(states, drifted, 0);
			return drift >= 0 && indexOfFirst(states, undone, drift + 1) >= 0;
		});
	}

	private static int indexOfFirst(List<Deployment> states, Predicate<Deployment> condition, int from) {
		for (int i = from; i < states.size(); i++) {
			if (condition.test(states.get(i))) {
				return i;
			}
		}
		return -1;
	}

	private static @Nullable String component(Deployment deployment) {
		return deployment.getMetadata().getLabels().get("app.kubernetes.io/component");
	}

	private static boolean served(JsonNode claims, Map<String, String> fields) {
		Map<String, String> mapping = new LinkedHashMap<>();
		claims.path("mapping")
			.forEach((field) -> mapping.put(field.path("field").asString(), field.path("claim").asString()));
		return mapping.equals(fields);
	}

	private static Set<String> uids(List<Pod> pods) {
		return pods.stream().map((pod) -> pod.getMetadata().getUid()).collect(Collectors.toSet());
	}

	private static String podName(Pod pod) {
		return pod.getMetadata().getName();
	}

	private static JsonNode itemInBrowser() {
		browser.get(ITEM);
		return body();
	}

	/** Signs out of both sessions and in as another user, on the item's page. */
	private static void switchUser(String user) {
		browser.get(APP_URL + "/oauth2/sign_out");
		browser.get(ITEM);
		wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
		KeycloakLoginPage.signIn(browser, user);
		wait.until(ExpectedConditions.urlToBe(ITEM));
	}

	private static JsonNode logIn() {
		KeycloakLoginPage.signIn(browser, JOHN);
		wait.until(ExpectedConditions.urlToBe(ITEM));
		return body();
	}

	private static JsonNode body() {
		return LocalStack.parse(browser.findElement(By.tagName("body")).getText());
	}

	private static boolean isJohnsAnswer(String body) {
		try {
			return JOHNS_ANSWER.equals(LocalStack.parse(body));
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	/** The browser's cookies for the app (the session may be split over several). */
	private static String sessionCookies() {
		return browser.manage()
			.getCookies()
			.stream()
			.map((cookie) -> cookie.getName() + "=" + cookie.getValue())
			.collect(Collectors.joining("; "));
	}

	private static String getWithSession(String url) throws IOException, InterruptedException {
		HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
			.header("Cookie", sessionCookies())
			.timeout(Duration.ofSeconds(10))
			.build(), HttpResponse.BodyHandlers.ofString());
		return response.body();
	}

	private static Map<String, String> mapping(String... fieldsAndClaims) {
		Map<String, String> mapping = new LinkedHashMap<>();
		for (int i = 0; i < fieldsAndClaims.length; i += 2) {
			mapping.put(fieldsAndClaims[i], fieldsAndClaims[i + 1]);
		}
		return mapping;
	}

	private static void await(String what, Duration limit, Callable<Boolean> condition) {
		Awaitility.await(what).atMost(limit).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(condition);
	}

	private static double secondsSince(long startedNanos) {
		return (System.nanoTime() - startedNanos) / 1e9;
	}

	private static void screenshot(String name) throws IOException {
		Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), screenshots.resolve(name),
				StandardCopyOption.REPLACE_EXISTING);
	}

}
