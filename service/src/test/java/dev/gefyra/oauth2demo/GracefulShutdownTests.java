package dev.gefyra.oauth2demo;

import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.gefyra.oauth2demo.support.TestIssuer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * What SIGTERM does to requests in flight: the JVM's shutdown hook closes the context,
 * and the graceful web server shutdown lets every request it already accepted finish. The
 * issuer's JWKS answers slowly here, so requests are still waiting for it when the
 * context closes.
 */
class GracefulShutdownTests {

	/**
	 * Longer than the 3 s Reactor Netty gives connections even without graceful shutdown.
	 */
	private static final Duration JWKS_DELAY = Duration.ofSeconds(6);

	private static final int IN_FLIGHT = 32;

	private final TestIssuer issuer = TestIssuer.start();

	@AfterEach
	void stopIssuer() {
		this.issuer.close();
	}

	@Test
	void requestsInFlightShouldFinishWhenTheContextCloses() throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(ClaimServiceApplication.class).run(
				"--server.port=0", "--management.server.port=0", "--token.jwk-set-uri=" + this.issuer.jwkSetUri(),
				"--token.issuer=" + TestIssuer.ISSUER, "--token.jwks-timeout=15s");
		int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		WebClient client = WebClient.builder()
			.baseUrl("http://127.0.0.1:" + port)
			.clientConnector(new ReactorClientHttpConnector(reactor.netty.http.client.HttpClient
				.create(ConnectionProvider.builder("in-flight").maxConnections(IN_FLIGHT).build())))
			.build();
		this.issuer.jwksDelay(JWKS_DELAY);
		String token = this.issuer.token();

		CompletableFuture<List<ResponseEntity<String>>> answers = Flux.range(0, IN_FLIGHT)
			.flatMap((i) -> client.get()
				.uri("/items/{id}", i)
				.header("X-Forwarded-Access-Token", token)
				.retrieve()
				.toEntity(String.class), IN_FLIGHT)
			.collectList()
			.toFuture();
		long sent = System.nanoTime();
		// Closed once the server holds every request (a request it has not read yet is
		// refused, not answered), a quarter of the issuer's delay after they were sent.
		MeterRegistry meters = context.getBean(MeterRegistry.class);
		await().atMost(JWKS_DELAY.dividedBy(4)).until(() -> activeRequests(meters) == IN_FLIGHT);
		Thread.sleep(Math.max(0, JWKS_DELAY.dividedBy(4).toMillis() - (System.nanoTime() - sent) / 1_000_000));
		assertThat(answers).isNotDone();
		long closing = System.nanoTime();
		context.close();
		Duration closeTook = Duration.ofNanos(System.nanoTime() - closing);

		List<ResponseEntity<String>> responses = answers.get();
		assertThat(responses).hasSize(IN_FLIGHT).allSatisfy((response) -> {
			assertThat(response.getStatusCode().value()).isEqualTo(200);
			assertThat(response.getBody()).contains("\"Email\":\"john@gefyra.dev\"");
		});
		assertThat(closeTook).as("close waited for the requests in flight").isGreaterThan(JWKS_DELAY.dividedBy(2));
		assertThatException().isThrownBy(() -> client.get().uri("/").retrieve().toBodilessEntity().block())
			.withRootCauseInstanceOf(ConnectException.class);
		System.out.println("graceful shutdown: " + IN_FLIGHT
				+ " requests in flight at close, all answered 200; close took " + closeTook.toMillis() + " ms");
	}

	private static int activeRequests(MeterRegistry meters) {
		return Search.in(meters)
			.name("http.server.requests.active")
			.longTaskTimers()
			.stream()
			.mapToInt((timer) -> timer.activeTasks())
			.sum();
	}

}
