package dev.gefyra.oauth2demo.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

import dev.gefyra.oauth2demo.support.ExpectedLogs;
import dev.gefyra.oauth2demo.support.TestIssuer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A generated corpus of over 10 000 hostile requests, sent as raw bytes (HTTP clients
 * refuse to send much of it): malformed and forged tokens, algorithm confusion, foreign
 * key URLs, wrong issuer, audience and times, claims of unexpected types, control
 * characters, oversized headers, odd {@code item_id}s. Each kind of request has one
 * expected answer: nothing answers 5xx, every forged token is refused with a 401
 * problem+json, and only what Netty refuses before the service sees it (an oversized
 * header, a control character in a header) gets anything else.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "claims.mapping[0].field=Email", "claims.mapping[0].claim=email",
				"claims.mapping[1].field=roles", "claims.mapping[1].claim=realm_access.roles" })
class HostileInputTests {

	@RegisterExtension
	static final TestIssuer issuer = TestIssuer.start();

	private static final int ROUNDS = 500;

	private static final String OVERSIZED_HEADER = "header over 16 KiB";

	private static final String CONTROL_CHARACTERS = "control characters";

	/**
	 * The forged tokens Netty refuses before the service sees them: a header over its 8
	 * KiB limit (431, or the connection closed while the header was still being sent),
	 * and control characters, which RFC 9110 forbids in a field value (400). Every other
	 * forged token reaches the service and gets its 401.
	 */
	private static final Map<String, Set<Integer>> REFUSED_BY_NETTY = Map.of(OVERSIZED_HEADER,
			Set.of(431, Response.RESET), CONTROL_CHARACTERS, Set.of(400));

	@RegisterExtension
	final ExpectedLogs logs = new ExpectedLogs();

	@LocalServerPort
	private int port;

	@Test
	void hostileCorpusShouldGetNo5xxAndLetNoForgeryIn() throws IOException {
		this.logs.expect("reactor.netty.http.server.HttpServerOperations", "Decoding failed");
		Random random = new Random(20261128);
		Map<String, Supplier<String>> forged = forgedTokens(random);
		Map<String, Supplier<String>> oddButGenuine = oddButGenuineTokens(random);
		Map<String, Integer> statuses = new TreeMap<>();
		List<String> failures = new ArrayList<>();
		int sent = 0;
		for (int round = 0; round < ROUNDS; round++) {
			for (Map.Entry<String, Supplier<String>> kind : forged.entrySet()) {
				Response response = send("/items/" + random.nextInt(), kind.getValue().get());
				sent++;
				count(statuses, kind.getKey(), response);
				Set<Integer> expected = REFUSED_BY_NETTY.getOrDefault(kind.getKey(), Set.of(401));
				if (!expected.contains(response.status())) {
					failures.add(
							kind.getKey() + " got " + response.status() + ", not " + expected + ": " + response.body());
				}
				if (response.status() == 401 && !response.isProblem()) {
					failures.add(kind.getKey() + " 401 without problem+json: " + response.body());
				}
			}
			for (Map.Entry<String, Supplier<String>> kind : oddButGenuine.entrySet()) {
				Response response = send("/items/" + random.nextInt(), kind.getValue().get());
				sent++;
				count(statuses, kind.getKey(), response);
				if (response.status() != 200) {
					failures.add(kind.getKey() + " got " + response.status() + ": " + response.body());
				}
			}
			for (Map.Entry<String, Boolean> item : hostileItemIds(random).entrySet()) {
				Response response = send("/items/" + item.getKey(), issuer.token());
				sent++;
				count(statuses, "item_id", response);
				boolean answered = item.getValue()
						? response.status() == 200 && response.body().startsWith("{\"item_id\":")
						: response.status() == 400 && response.isProblem()
								&& response.body().contains("\"title\":\"Invalid item_id\"");
				if (!answered) {
					failures.add("item_id " + item.getKey() + " got " + response.status() + ": " + response.body());
				}
			}
		}
		System.out.println("hostile corpus: " + sent + " requests, outcomes " + statuses);
		assertThat(failures).as("requests answered wrongly").isEmpty();
		assertThat(statuses.keySet()).noneMatch((key) -> key.endsWith(" 5xx"));
	}

	private Map<String, Supplier<String>> forgedTokens(Random random) {
		Map<String, Supplier<String>> tokens = new TreeMap<>();
		tokens.put("alg none", TestIssuer::unsignedToken);
		tokens.put("HS256 keyed with the public key", issuer::tokenHmacSignedWithPublicKey);
		tokens.put("other key, known kid", issuer::tokenSignedByAnotherKey);
		tokens.put("jku and x5u to elsewhere", TestIssuer::tokenWithForeignKeyUrls);
		tokens.put("wrong issuer", () -> issuer.token((claims) -> claims.issuer("http://evil.test/realms/demo")));
		tokens.put("wrong audience", () -> issuer.token((claims) -> claims.audience("someone-else")));
		tokens.put("expired",
				() -> issuer.token((claims) -> claims.issueTime(Date.from(Instant.now().minus(Duration.ofHours(2))))
					.expirationTime(Date.from(Instant.now().minus(Duration.ofHours(1))))));
		tokens.put("not yet valid", () -> issuer
			.token((claims) -> claims.notBeforeTime(Date.from(Instant.now().plus(Duration.ofHours(1))))));
		tokens.put("payload swapped", () -> swapPayload(issuer.token()));
		tokens.put("signature truncated", () -> {
			String token = issuer.token();
			return token.substring(0, token.length() - 1 - random.nextInt(20));
		});
		tokens.put("random segments",
				() -> randomBase64(random) + "." + randomBase64(random) + "." + randomBase64(random));
		tokens.put("bad base64", () -> "eyJ%%%." + "!!!" + random.nextInt() + ".***");
		tokens.put("too few dots", () -> randomBase64(random) + "." + randomBase64(random));
		tokens.put("too many dots", () -> issuer.token() + "." + randomBase64(random));
		tokens.put(CONTROL_CHARACTERS, () -> "eyJ\u0001\u0007" + random.nextInt() + "\u007f.x.y");
		tokens.put("unicode", () -> "\u00e9\u4e2d\u0416." + random.nextInt() + ".\u2603");
		tokens.put(OVERSIZED_HEADER, () -> issuer.token() + "A".repeat(17_000));
		return tokens;
	}

	private Map<String, Supplier<String>> oddButGenuineTokens(Random random) {
		Map<String, Supplier<String>> tokens = new TreeMap<>();
		tokens.put("email as array", () -> issuer.token((claims) -> claims.claim("email", List.of("a@x", "b@y"))));
		tokens.put("email as object", () -> issuer.token((claims) -> claims.claim("email", Map.of("address", "a@x"))));
		tokens.put("email null", () -> issuer.token((claims) -> claims.claim("email", null)));
		tokens.put("email as number", () -> issuer.token((claims) -> claims.claim("email", random.nextLong())));
		tokens.put("roles as string", () -> issuer.token((claims) -> claims.claim("realm_access", "admin")));
		tokens.put("deep nesting", () -> issuer.token((claims) -> claims.claim("deep", nested(60))));
		tokens.put("many claims", () -> issuer.token((claims) -> {
			for (int i = 0; i < 100; i++) {
				claims.claim("c" + i, "v" + i);
			}
		}));
		tokens.put("unicode and control characters in claims",
				() -> issuer.token((claims) -> claims.claim("email", "j\u00f6hn\u0000\u001b[31m@\u4e2d.dev\u2028")));
		return tokens;
	}

	/**
	 * {@code item_id}s to send, each with whether the service must take it (an integer in
	 * range) or refuse it with a 400 problem.
	 */
	private static Map<String, Boolean> hostileItemIds(Random random) {
		Map<String, Boolean> ids = new LinkedHashMap<>();
		ids.put(String.valueOf(-random.nextInt(Integer.MAX_VALUE)), true);
		ids.put("+" + random.nextInt(1000), true);
		for (String invalid : List.of("2147483648", "-2147483649", "99999999999999999999999", "abc", "1e3", "0x10",
				"%20", "%2F..%2F", "%00", "%E2%98%83", "12%0A34", "1.5")) {
			ids.put(invalid, false);
		}
		return ids;
	}

	private static Object nested(int depth) {
		Object value = "bottom";
		for (int i = 0; i < depth; i++) {
			value = Map.of("n", value);
		}
		return value;
	}

	private static String swapPayload(String token) {
		String[] parts = token.split("\\.");
		String payload = Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString(("{\"iss\":\"" + TestIssuer.ISSUER
					+ "\",\"aud\":\"oauth2-demo\",\"email\":\"admin@gefyra.dev\",\"exp\":9999999999}")
				.getBytes(StandardCharsets.UTF_8));
		return parts[0] + "." + payload + "." + parts[2];
	}

	private static String randomBase64(Random random) {
		byte[] bytes = new byte[1 + random.nextInt(64)];
		random.nextBytes(bytes);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
	}

	private static void count(Map<String, Integer> statuses, String kind, Response response) {
		String outcome = (response.status() >= 500) ? "5xx"
				: (response.status() == Response.RESET) ? "reset" : String.valueOf(response.status());
		statuses.merge(kind + " " + outcome, 1, Integer::sum);
	}

	/**
	 * One request as raw bytes on its own connection; the header value goes out exactly
	 * as given.
	 */
	private Response send(String path, String token) throws IOException {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
					+ "X-Forwarded-Access-Token: ")
				.getBytes(StandardCharsets.US_ASCII));
			out.write(token.getBytes(StandardCharsets.UTF_8));
			out.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			return Response.read(socket.getInputStream());
		}
		catch (SocketException ex) {
			// Netty may close the connection on an oversized header before reading all of
			// it.
			return new Response(Response.RESET, "", ex.getMessage());
		}
	}

	private record Response(int status, String headers, String body) {

		static final int RESET = -1;

		static Response read(InputStream in) throws IOException {
			ByteArrayOutputStream bytes = new ByteArrayOutputStream();
			in.transferTo(bytes);
			String raw = bytes.toString(StandardCharsets.UTF_8);
			int split = raw.indexOf("\r\n\r\n");
			String head = (split < 0) ? raw : raw.substring(0, split);
			String[] statusLine = head.split(" ", 3);
			int status = (statusLine.length > 1) ? Integer.parseInt(statusLine[1]) : 0;
			return new Response(status, head, (split < 0) ? "" : raw.substring(split + 4));
		}

		boolean isProblem() {
			return this.headers.toLowerCase().contains("content-type: application/problem+json")
					&& this.body.contains("\"detail\"");
		}

	}

}
