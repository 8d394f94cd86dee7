package dev.gefyra.oauth2demo.web;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import dev.gefyra.oauth2demo.support.TestIssuer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A JWKS server that answers at once but sends its body a byte at a time (issue 12, item
 * 4): a client's response timeout never fires, since bytes keep arriving, so only a
 * deadline on the whole fetch ({@code token.jwks-timeout}) keeps requests from waiting as
 * long as the trickle lasts.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "token.jwks-timeout=1s" })
@AutoConfigureWebTestClient
class TricklingJwksTests {

	/** The body the JWKS promises, at one byte per interval: over three minutes. */
	private static final int PROMISED_BYTES = 1_000;

	private static final Duration BYTE_INTERVAL = Duration.ofMillis(200);

	/** A generous upper bound on an answer with a 1 s deadline. */
	private static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);

	private static final TestIssuer issuer = TestIssuer.start();

	private static final TricklingServer jwks = TricklingServer.start();

	@Autowired
	private WebTestClient client;

	@DynamicPropertySource
	static void tricklingJwks(DynamicPropertyRegistry registry) {
		registry.add("token.jwk-set-uri", () -> "http://127.0.0.1:" + jwks.port() + "/jwks");
		registry.add("token.issuer", () -> TestIssuer.ISSUER);
	}

	@AfterAll
	static void stopServers() {
		jwks.close();
		issuer.close();
	}

	@Test
	void jwksTricklingItsAnswerShouldGetA503WithinTheDeadline() {
		long started = System.nanoTime();
		this.client.mutate()
			.responseTimeout(ANSWER_WITHIN.multipliedBy(2))
			.build()
			.get()
			.uri("/items/1")
			.header("X-Forwarded-Access-Token", issuer.token())
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectBody()
			.jsonPath("$.title")
			.isEqualTo("Token verification unavailable");
		Duration took = Duration.ofNanos(System.nanoTime() - started);
		System.out.println("JWKS trickling a byte every " + BYTE_INTERVAL.toMillis() + " ms: 503 after "
				+ took.toMillis() + " ms (token.jwks-timeout=1s), " + jwks.bytesSent() + " body bytes sent");
		assertThat(took).isLessThan(ANSWER_WITHIN);
		assertThat(jwks.bytesSent()).as("the trickle had begun").isPositive().isLessThan(PROMISED_BYTES);
	}

	/**
	 * Answers every request with a 200 and a JSON body it sends one byte per
	 * {@link #BYTE_INTERVAL}.
	 */
	private static final class TricklingServer implements AutoCloseable {

		private final ServerSocket socket;

		private final AtomicInteger bytesSent = new AtomicInteger();

		private TricklingServer(ServerSocket socket) {
			this.socket = socket;
		}

		static TricklingServer start() {
			try {
				TricklingServer server = new TricklingServer(new ServerSocket(0, 16, InetAddress.getLoopbackAddress()));
				Thread.ofPlatform().daemon().name("trickling-jwks").start(server::serve);
				return server;
			}
			catch (IOException ex) {
				throw new IllegalStateException("cannot start the trickling JWKS server", ex);
			}
		}

		int port() {
			return this.socket.getLocalPort();
		}

		int bytesSent() {
			return this.bytesSent.get();
		}

		private void serve() {
			while (!this.socket.isClosed()) {
				try {
					Socket connection = this.socket.accept();
					Thread.ofPlatform().daemon().name("trickling-jwks-connection").start(() -> trickle(connection));
				}
				catch (IOException ex) {
					// Closed by the test.
				}
			}
		}

		private void trickle(Socket connection) {
			try (connection) {
				BufferedReader request = new BufferedReader(
						new InputStreamReader(connection.getInputStream(), StandardCharsets.US_ASCII));
				String line;
				do {
					line = request.readLine();
				}
				while (line != null && !line.isEmpty());
				OutputStream out = connection.getOutputStream();
				out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + PROMISED_BYTES
						+ "\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
				out.flush();
				for (int i = 0; i < PROMISED_BYTES; i++) {
					out.write((i == 0) ? '{' : ' ');
					out.flush();
					this.bytesSent.incrementAndGet();
					Thread.sleep(BYTE_INTERVAL);
				}
			}
			catch (IOException ex) {
				// The client hung up: what a deadline does.
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		@Override
		public void close() {
			try {
				this.socket.close();
			}
			catch (IOException ex) {
				// Nothing left to release.
			}
		}

	}

}
