package dev.gefyra.oauth2demo.web;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;

import dev.gefyra.oauth2demo.support.TestIssuer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load that left requests unanswered (issue 12, item 2): eight clients, each on one
 * keep-alive connection, sending 1 600 requests in all with one rejected token, with a
 * rejected and a valid token in turn, and with valid tokens of a new signing key now and
 * then. Every request must get its answer within a client timeout; a request that never
 * does is what reactor-netty's keep-alive bug (reactor-netty #4361, #4188) looked like,
 * and through OAuth2-Proxy it became a 502. Each run prints a line
 * {@code keep-alive load (...): ... unanswered after 10 s: N}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "token.jwks-refetch-interval=0s" })
class KeepAliveLoadTests {

	@RegisterExtension
	static final TestIssuer issuer = TestIssuer.start();

	private static final String HEADER = "X-Forwarded-Access-Token";

	private static final int CLIENTS = 8;

	private static final int REQUESTS = 1_600;

	/** Ten requests from each client with the key of a round. */
	private static final int ROTATION_ROUND = 80;

	/**
	 * Generous: an answer here takes a few milliseconds, and a request left unanswered is
	 * never answered.
	 */
	private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(10);

	/** Bounds the whole run, however many requests time out. */
	private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);

	@LocalServerPort
	private int port;

	/**
	 * As in the running service the issue probed: the JWKS client and the keys are warm,
	 * so a first fetch slowed down by a busy machine cannot pass for a lost answer.
	 */
	@BeforeEach
	void warmUpThenCountConnectionsAfresh() throws Exception {
		try (HttpClient http = HttpClient.newHttpClient()) {
			HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/items/1"))
				.header(HEADER, issuer.token())
				.timeout(Duration.ofSeconds(30))
				.build();
			assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
		}
		ConnectionCounter.opened.set(0);
	}

	@Test
	void everyKeepAliveRequestWithARejectedTokenShouldBeAnswered() {
		String rejected = issuer.tokenSignedByAnotherKey();
		Outcome outcome = run("rejected token", (i) -> rejected);
		assertThat(outcome.statuses()).containsOnlyKeys(401);
		outcome.assertEveryRequestAnsweredOnKeptAliveConnections();
	}

	@Test
	void everyKeepAliveRequestOfRejectedAndValidTokensShouldBeAnswered() {
		String rejected = issuer.tokenSignedByAnotherKey();
		String valid = issuer.token();
		Outcome outcome = run("rejected and valid token", (i) -> (i % 2 == 0) ? rejected : valid);
		assertThat(outcome.statuses()).containsOnlyKeys(200, 401);
		assertThat(outcome.statuses().get(200)).isEqualTo(REQUESTS / 2);
		outcome.assertEveryRequestAnsweredOnKeptAliveConnections();
	}

	/**
	 * The same load, but every {@link #ROTATION_ROUND} requests the issuer signs with a
	 * new key (the older ones stay published): a client's first request with a new key
	 * may wait for the key set's shared JWKS fetch, which completes on another thread
	 * than the request's own, and the ones queued behind it on the same connection are
	 * answered at once from the cache.
	 */
	@Test
	void everyKeepAliveRequestShouldBeAnsweredWhileTheIssuerRotatesItsKey() {
		List<String> tokens = new ArrayList<>();
		Outcome outcome = run("valid token, new signing key every " + ROTATION_ROUND + " requests", (i) -> {
			synchronized (tokens) {
				int round = i / ROTATION_ROUND;
				while (tokens.size() <= round) {
					issuer.addSigningKey();
					tokens.add(issuer.token());
				}
				return tokens.get(round);
			}
		});
		assertThat(outcome.statuses()).containsOnlyKeys(200);
		outcome.assertEveryRequestAnsweredOnKeptAliveConnections();
	}

	/**
	 * Each client sends its share one after the other, as a browser tab or a proxy's
	 * pooled upstream connection does.
	 */
	private Outcome run(String load, IntFunction<String> tokenOfRequest) {
		URI uri = URI.create("http://127.0.0.1:" + this.port + "/items/1");
		Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
		AtomicInteger unanswered = new AtomicInteger();
		List<String> failures = new ArrayList<>();
		AtomicInteger unsent = new AtomicInteger();
		long started = System.nanoTime();
		long deadline = started + RUN_TIMEOUT.toNanos();
		try (ExecutorService threads = Executors.newFixedThreadPool(CLIENTS)) {
			for (int c = 0; c < CLIENTS; c++) {
				int client = c;
				threads.execute(() -> {
					try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
						for (int i = client; i < REQUESTS; i += CLIENTS) {
							if (System.nanoTime() > deadline) {
								unsent.incrementAndGet();
								continue;
							}
							HttpRequest request = HttpRequest.newBuilder(uri)
								.header(HEADER, tokenOfRequest.apply(i))
								.timeout(CLIENT_TIMEOUT)
								.build();
							try {
								HttpResponse<String> response = http.send(request,
										HttpResponse.BodyHandlers.ofString());
								statuses.computeIfAbsent(response.statusCode(), (status) -> new LongAdder())
									.increment();
							}
							catch (HttpTimeoutException ex) {
								unanswered.incrementAndGet();
							}
							catch (IOException ex) {
								synchronized (failures) {
									failures.add(ex.toString());
								}
							}
							catch (InterruptedException ex) {
								Thread.currentThread().interrupt();
								throw new IllegalStateException("interrupted", ex);
							}
						}
					}
				});
			}
		}
		if (unsent.get() > 0) {
			failures.add(unsent.get() + " requests not sent within " + RUN_TIMEOUT.toSeconds() + " s");
		}
		Map<Integer, Integer> counted = new TreeMap<>();
		statuses.forEach((status, count) -> counted.put(status, count.intValue()));
		Outcome outcome = new Outcome(counted, unanswered.get(), failures, ConnectionCounter.opened.get());
		System.out.println("keep-alive load (" + load + "): " + REQUESTS + " requests from " + CLIENTS + " clients on "
				+ outcome.connections() + " connections in " + Duration.ofNanos(System.nanoTime() - started).toMillis()
				+ " ms; answers " + counted + ", unanswered after " + CLIENT_TIMEOUT.toSeconds() + " s: "
				+ outcome.unanswered() + ", failed: " + failures.size());
		return outcome;
	}

	private record Outcome(Map<Integer, Integer> statuses, int unanswered, List<String> failures, int connections) {

		void assertEveryRequestAnsweredOnKeptAliveConnections() {
			assertThat(this.unanswered).as("requests left without an answer").isZero();
			assertThat(this.failures).as("requests failed").isEmpty();
			assertThat(this.statuses.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(REQUESTS);
			// One connection per client, kept alive: the pattern the bug needs.
			assertThat(this.connections).as("connections opened").isLessThanOrEqualTo(CLIENTS);
		}

	}

	@TestConfiguration(proxyBeanMethods = false)
	static class ConnectionCounter {

		static final AtomicInteger opened = new AtomicInteger();

		@Bean
		NettyServerCustomizer connectionCounter() {
			// Once per TCP connection; doOnConnection would count requests.
			return (server) -> server.doOnChannelInit((observer, channel, remoteAddress) -> opened.incrementAndGet());
		}

	}

}
