package dev.gefyra.oauth2demo.web;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import dev.gefyra.oauth2demo.support.TestIssuer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of the path from the token header to the JSON answer:
 * one Spring context, requests sent in memory. Each input becomes a header that is either
 * raw text, a mangled genuine token, or a token whose header and claims the fuzzer wrote
 * (any names, types, nesting and numbers), signed by the trusted key, by a forger's key,
 * with HS256 keyed by the public key, or not at all. Nothing may answer 5xx; only a token
 * the trusted key signed with RS256 and whose iss, aud, exp and nbf pass may get a 200,
 * and then every mapped field is the token's claim at that path; every 401 is an RFC 6750
 * problem. Without {@code JAZZER_FUZZ} the test replays the inputs under
 * {@code TokenToJsonFuzzTestsInputs/}; {@code scripts/test/fuzz} fuzzes for a bounded
 * time.
 */
@SpringBootTest(webEnvironment = WebEnvironment.MOCK,
		properties = { "claims.mapping[0].field=Email", "claims.mapping[0].claim=email",
				"claims.mapping[1].field=roles", "claims.mapping[1].claim=realm_access.roles",
				"claims.mapping[2].field=verified", "claims.mapping[2].claim=email_verified",
				"claims.mapping[3].field=nested", "claims.mapping[3].claim=a.b.c", "claims.access[0].path=/me",
				"claims.access[0].require.groups[0]=" + TokenToJsonFuzzTests.RULE_GROUP })
class TokenToJsonFuzzTests {

	@RegisterExtension
	static final TestIssuer issuer = TestIssuer.start();

	private static final String HEADER = "X-Forwarded-Access-Token";

	private static final List<String> FIELDS = List.of("Email", "roles", "verified", "nested");

	private static final List<List<String>> PATHS = List.of(List.of("email"), List.of("realm_access", "roles"),
			List.of("email_verified"), List.of("a", "b", "c"));

	private static final String MISSING = "not given";

	/** The group the access rule on {@code /me} asks for; {@code /items} has no rule. */
	static final String RULE_GROUP = "fuzzers";

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	/**
	 * Claims that Nimbus and Spring parse and convert themselves instead of passing
	 * through.
	 */
	private static final Set<String> REGISTERED = Set.of("iss", "sub", "aud", "exp", "nbf", "iat", "jti");

	/**
	 * Names the fuzzer picks from, so mapped paths and registered claims get hit often.
	 */
	private static final String[] NAMES = { "email", "realm_access", "roles", "email_verified", "a", "b", "c",
			"preferred_username", "Email", "item_id", "Token", "mapped", "", "email.x", "realm_access.roles",
			"__proto__", "iss", "aud", "exp", "nbf", "iat", "sub", "jti", "azp" };

	private static final String[] HEADER_NAMES = { "alg", "typ", "kid", "jku", "x5u", "jwk", "x5c", "crit", "cty",
			"b64", "zip", "enc" };

	/** RFC 6750 with the header kept to one quoted-string of printable ASCII. */
	private static final Pattern WWW_AUTHENTICATE = Pattern
		.compile("Bearer error=\"invalid_token\", error_description=\"[\\x20-\\x7e&&[^\"\\\\]]*\"");

	private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

	private static final JsonMapper JSON = JsonMapper.builder()
		.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
		.build();

	/**
	 * Generating an RSA key takes far longer than a fuzz execution may: one forger for
	 * the run.
	 */
	private static final RSAKey FORGER = newKey();

	private static final RSASSASigner FORGER_SIGNER = signer(FORGER);

	private static final MACSigner PUBLIC_KEY_HMAC = hmacWithPublicKey();

	private static final Map<String, LongAdder> outcomes = new ConcurrentSkipListMap<>();

	private static final LongAdder executions = new LongAdder();

	/**
	 * The handler the server runs, called directly: a client in between would cost more
	 * than the service.
	 */
	@Autowired
	private HttpHandler httpHandler;

	@AfterAll
	static void report() {
		System.out.println("TokenToJsonFuzzTests: executions=" + executions.sum() + " outcomes=" + outcomes);
	}

	// The dictionary holds spellings the parsers compare input against, so that
	// mutations reach past them sooner.
	@FuzzTest(maxDuration = "60s")
	@DictionaryEntries({ "Bearer ", "eyJ", "\"alg\"", "\"RS256\"", "\"none\"", "\"kid\"", "\"email\"",
			"\"realm_access\"", "\"roles\"", "\"groups\"", "\"fuzzers\"", "\\u0000", "\\ud800", "1e400", "-0",
			"9999999999999999999999" })
	void anyTokenHeaderShouldGetNo5xxAndOnlyTrustedClaimsBack(FuzzedDataProvider data) {
		Input input = Input.from(data);
		boolean me = data.consumeBoolean();
		int itemId = data.consumeInt();
		String path = me ? "/me" : "/items/" + itemId;
		Response result = send(path, input.header());
		int status = result.status();
		executions.increment();
		outcomes.computeIfAbsent(input.kind() + " " + status, (key) -> new LongAdder()).increment();
		String context = input.kind() + " " + path + " header " + abbreviate(input.header()) + payload(input.header())
				+ " -> " + status + " " + abbreviate(body(result));
		assertThat(status).as("no 5xx: %s", context).isLessThan(500);
		if (input.isBlank()) {
			if (me) {
				assertThat(status).as("the rule on /me asks for a token: %s", context).isEqualTo(401);
				assertProblem(result, "Bearer", context);
				return;
			}
			assertThat(status).as("no token reads as none: %s", context).isEqualTo(200);
			assertAnswer(result, me, itemId, false, null, context);
			return;
		}
		assertThat(status).as("a token is taken, refused, or short of the rule: %s", context).isIn(200, 401, 403);
		if (status == 403) {
			assertThat(me).as("only /me has a rule: %s", context).isTrue();
			assertThat(input.mayBeAccepted()).as("only a token that verified meets a rule: %s", context).isTrue();
			assertThat(input.claims() == null || !holdsRuleGroup(input.claims()))
				.as("403 only without group %s: %s", RULE_GROUP, context)
				.isTrue();
			assertProblem(result, "Bearer error=\"insufficient_scope\"", context);
		}
		else if (status == 200) {
			assertThat(input.mayBeAccepted()).as("only a genuine RS256 token with valid claims: %s", context).isTrue();
			assertThat(!me || input.claims() == null || holdsRuleGroup(input.claims()))
				.as("/me answered only with group %s: %s", RULE_GROUP, context)
				.isTrue();
			assertAnswer(result, me, itemId, true, input.claims(), context);
		}
		else {
			assertThat(input.mustBeAccepted()).as("a genuine plain token with valid claims is taken: %s", context)
				.isFalse();
			assertInvalidTokenProblem(result, context);
		}
	}

	/**
	 * @param tokenRead whether the service read a token, not none
	 * @param claims the token's claims; {@code null} when Jackson cannot read them either
	 */
	private static void assertAnswer(Response result, boolean me, int itemId, boolean tokenRead,
			@Nullable JsonNode claims, String context) {
		assertThat(result.headers().getContentType()).as(context).isEqualTo(MediaType.APPLICATION_JSON);
		JsonNode body = JSON.readTree(result.body());
		JsonNode mapped;
		if (me) {
			assertThat(body.propertyNames()).as(context).containsExactly("Token", "mapped");
			if (!tokenRead) {
				assertThat(body.get("Token").asString()).as(context).isEqualTo(MISSING);
			}
			else if (claims != null) {
				assertTokenClaims(claims, body.get("Token"), context);
			}
			mapped = body.get("mapped");
			assertThat(mapped.propertyNames()).as(context).containsExactlyElementsOf(FIELDS);
		}
		else {
			List<String> names = new ArrayList<>();
			names.add("item_id");
			names.addAll(FIELDS);
			assertThat(body.propertyNames()).as(context).containsExactlyElementsOf(names);
			assertThat(body.get("item_id").isInt() && body.get("item_id").intValue() == itemId)
				.as("item_id as asked: %s", context)
				.isTrue();
			mapped = body;
		}
		if (tokenRead && claims == null) {
			// A genuine token whose payload Jackson cannot read: only the answer's shape
			// can be checked.
			return;
		}
		for (int i = 0; i < FIELDS.size(); i++) {
			JsonNode expected = (claims != null) ? at(claims, PATHS.get(i)) : null;
			JsonNode actual = mapped.get(FIELDS.get(i));
			if (expected == null) {
				assertThat(actual.isString() && actual.stringValue().equals(MISSING))
					.as("%s is %s when its claim is absent: %s", FIELDS.get(i), MISSING, context)
					.isTrue();
			}
			else {
				assertThat(sameJson(expected, actual))
					.as("%s is the claim %s (%s), not %s: %s", FIELDS.get(i), String.join(".", PATHS.get(i)), expected,
							actual, context)
					.isTrue();
			}
		}
	}

	/**
	 * Token holds the token's claims and no others; the registered ones are converted by
	 * Spring (aud to a list, times to epoch seconds), so only their presence is checked.
	 */
	private static void assertTokenClaims(JsonNode claims, JsonNode token, String context) {
		assertThat(token.isObject()).as(context).isTrue();
		// Spring's claim converter gives a token with exp but no iat an iat of exp - 1 s.
		boolean iatBySpring = claims.path("iat").isMissingNode() || claims.path("iat").isNull();
		for (String name : token.propertyNames()) {
			assertThat(claims.has(name) || (name.equals("iat") && iatBySpring))
				.as("Token holds only the token's claims, not %s: %s", name, context)
				.isTrue();
		}
		for (Map.Entry<String, JsonNode> claim : claims.properties()) {
			JsonNode actual = token.get(claim.getKey());
			if (claim.getKey().equals("iat") && iatBySpring) {
				continue;
			}
			if (claim.getValue().isNull()) {
				assertThat(actual == null || actual.isNull()).as(context).isTrue();
			}
			else if (REGISTERED.contains(claim.getKey())) {
				assertThat(actual).as("Token holds %s: %s", claim.getKey(), context).isNotNull();
			}
			else {
				assertThat(actual != null && sameJson(claim.getValue(), actual))
					.as("Token's %s is the token's %s, not %s: %s", claim.getKey(), claim.getValue(), actual, context)
					.isTrue();
			}
		}
	}

	/**
	 * Whether the claims hold the rule's group as the service reads {@code groups}: the
	 * string itself, or a string in a list.
	 */
	private static boolean holdsRuleGroup(JsonNode claims) {
		JsonNode groups = claims.get("groups");
		if (groups == null) {
			return false;
		}
		if (groups.isString()) {
			return RULE_GROUP.equals(groups.stringValue());
		}
		if (!groups.isArray()) {
			return false;
		}
		for (JsonNode group : groups) {
			if (group.isString() && RULE_GROUP.equals(group.stringValue())) {
				return true;
			}
		}
		return false;
	}

	/**
	 * A rule's refusal: RFC 9457 problem, the challenge given, nothing from the token.
	 */
	private static void assertProblem(Response result, String challenge, String context) {
		assertThat(result.headers().getContentType()).as(context).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(result.headers().get(HttpHeaders.WWW_AUTHENTICATE)).as(context).containsExactly(challenge);
		assertThat(JSON.readTree(result.body()).path("detail").asString()).as(context)
			.endsWith("claims.access[0] (/me) requires group " + RULE_GROUP);
	}

	private static void assertInvalidTokenProblem(Response result, String context) {
		HttpHeaders headers = result.headers();
		assertThat(headers.getContentType()).as(context).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(headers.get(HttpHeaders.WWW_AUTHENTICATE)).as(context)
			.singleElement()
			.matches((value) -> WWW_AUTHENTICATE.matcher(value).matches(), "an RFC 6750 invalid_token challenge");
		JsonNode problem = JSON.readTree(result.body());
		assertThat(problem.path("status").asInt()).as(context).isEqualTo(401);
		assertThat(problem.path("title").asString()).as(context).isEqualTo("Invalid access token");
		assertThat(problem.path("detail").asString()).as("a problem says why: %s", context).isNotBlank();
	}

	/** ClaimPath's walk: only objects are entered; an absent or null value is missing. */
	private static @Nullable JsonNode at(JsonNode claims, List<String> path) {
		JsonNode current = claims;
		for (String segment : path) {
			if (!current.isObject()) {
				return null;
			}
			current = current.get(segment);
			if (current == null || current.isNull()) {
				return null;
			}
		}
		return current;
	}

	/**
	 * JSON equality where numbers compare by value: Nimbus reads integers beyond a long,
	 * and all fractions, as doubles.
	 */
	private static boolean sameJson(JsonNode expected, JsonNode actual) {
		if (expected.isNumber() && actual.isNumber()) {
			if (expected.isIntegralNumber() && actual.isIntegralNumber() && expected.canConvertToLong()
					&& actual.canConvertToLong()) {
				return expected.longValue() == actual.longValue();
			}
			return toDouble(expected) == toDouble(actual);
		}
		if (expected.isObject() && actual.isObject()) {
			for (String name : actual.propertyNames()) {
				if (!expected.has(name)) {
					return false;
				}
			}
			for (Map.Entry<String, JsonNode> property : expected.properties()) {
				JsonNode other = actual.get(property.getKey());
				boolean same = (property.getValue().isNull()) ? other == null || other.isNull()
						: other != null && sameJson(property.getValue(), other);
				if (!same) {
					return false;
				}
			}
			return true;
		}
		if (expected.isArray() && actual.isArray()) {
			if (expected.size() != actual.size()) {
				return false;
			}
			for (int i = 0; i < expected.size(); i++) {
				if (!sameJson(expected.get(i), actual.get(i))) {
					return false;
				}
			}
			return true;
		}
		return expected.equals(actual);
	}

	/** Out of range is infinite, as Java reads it, where Jackson would refuse. */
	private static double toDouble(JsonNode number) {
		return number.numberValue().doubleValue();
	}

	/** The service's reading of the header: blank, or a bare "Bearer ", is no token. */
	private static boolean isBlank(@Nullable String header) {
		if (header == null) {
			return true;
		}
		String value = header.strip();
		if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
			value = value.substring(7).strip();
		}
		return value.isEmpty();
	}

	private Response send(String path, @Nullable String header) {
		MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get(path);
		if (header != null) {
			request.header(HEADER, header);
		}
		MockServerHttpResponse response = new MockServerHttpResponse();
		this.httpHandler.handle(request.build(), response).block(TIMEOUT);
		byte[] body = DataBufferUtils.join(response.getBody()).map((buffer) -> {
			byte[] bytes = new byte[buffer.readableByteCount()];
			buffer.read(bytes);
			DataBufferUtils.release(buffer);
			return bytes;
		}).blockOptional(TIMEOUT).orElse(new byte[0]);
		HttpStatusCode status = response.getStatusCode();
		return new Response((status != null) ? status.value() : 200, response.getHeaders(), body);
	}

	private static String body(Response result) {
		return new String(result.body(), StandardCharsets.UTF_8);
	}

	/** A token's payload, decoded, so a finding shows what the fuzzer put in. */
	private static String payload(@Nullable String header) {
		String[] parts = (header != null) ? header.split("\\.") : new String[0];
		if (parts.length < 2) {
			return "";
		}
		try {
			String payload = Base64URL.from(parts[1]).decodeToString();
			return " (payload " + ((payload.length() <= 4000) ? payload : payload.substring(0, 4000) + "...") + ")";
		}
		catch (RuntimeException ex) {
			return "";
		}
	}

	private static String abbreviate(@Nullable String text) {
		if (text == null) {
			return "(none)";
		}
		return (text.length() <= 300) ? text : text.substring(0, 300) + "...(" + text.length() + " chars)";
	}

	private static RSAKey newKey() {
		try {
			return new RSAKeyGenerator(2048).keyID("forger").generate();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static RSASSASigner signer(RSAKey key) {
		try {
			return new RSASSASigner(key);
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static MACSigner hmacWithPublicKey() {
		try {
			return new MACSigner(issuer.publicKeyBytes());
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private record Response(int status, HttpHeaders headers, byte[] body) {

	}

	/** How a header value was made, which decides what the service may answer. */
	enum Kind {

		/** Any text at all. */
		RAW,
		/** A genuine token with a few characters inserted, deleted or changed. */
		MANGLED,
		/** Fuzzed header and claims, RS256 by the trusted key. */
		TRUSTED,
		/**
		 * Fuzzed header and claims, signed by the trusted key but with RS384, RS512 or
		 * PS256.
		 */
		TRUSTED_OTHER_ALGORITHM,
		/** A canonical header and fuzzed payload bytes, RS256 by the trusted key. */
		TRUSTED_RAW_PAYLOAD,
		/** RS256 by a key the issuer never published. */
		OTHER_KEY,
		/** HS256 keyed with the issuer's public key. */
		HMAC_PUBLIC_KEY,
		/** alg none. */
		UNSIGNED

	}

	/**
	 * One fuzzed header value with what the service may do with it.
	 *
	 * @param kind how it was made
	 * @param header the header value; {@code null} for none
	 * @param claims what the token carries when the trusted key signed it, as JSON
	 * @param mayBeAccepted whether a 200 is allowed: the trusted key signed it with RS256
	 * and its iss, aud, exp and nbf are not known to be wrong
	 * @param mustBeAccepted whether a 401 is wrong: signed so, canonical header, valid
	 * registered claims of their proper types
	 */
	record Input(Kind kind, @Nullable String header, @Nullable JsonNode claims, boolean mayBeAccepted,
			boolean mustBeAccepted) {

		private static final String GENUINE_TOKEN = issuer
			.token((claims) -> claims.expirationTime(Date.from(Instant.now().plusSeconds(86_400)))
				.claim("a", Map.of("b", Map.of("c", List.of(1, "two", Map.of("three", 3.5))))));

		private static final JsonNode GENUINE_CLAIMS = JSON
			.readTree(Base64URL.from(GENUINE_TOKEN.split("\\.")[1]).decode());

		boolean isBlank() {
			return TokenToJsonFuzzTests.isBlank(this.header);
		}

		static Input from(FuzzedDataProvider data) {
			Kind kind = data.pickValue(Kind.values());
			return switch (kind) {
				case RAW -> new Input(kind, data.consumeBoolean() ? data.consumeString(400) : null, null, false, false);
				case MANGLED -> mangled(data);
				case TRUSTED_RAW_PAYLOAD -> trustedRawPayload(data);
				default -> structured(kind, data);
			};
		}

		private static Input mangled(FuzzedDataProvider data) {
			StringBuilder token = new StringBuilder(GENUINE_TOKEN);
			int edits = data.consumeInt(1, 4);
			for (int i = 0; i < edits; i++) {
				int at = data.consumeInt(0, token.length());
				switch (data.consumeInt(0, 3)) {
					case 0 -> token.insert(at, data.consumeChar());
					case 1 -> token.delete(at, Math.min(token.length(), at + data.consumeInt(1, 8)));
					case 2 -> {
						if (at < token.length()) {
							token.setCharAt(at, data.consumeChar());
						}
					}
					default -> token.insert(at, data
						.pickValue(new String[] { "Bearer ", "bearer ", " ", "\t", ".", "=", "\r\n", "\u00a0" }));
				}
			}
			return new Input(Kind.MANGLED, token.toString(), GENUINE_CLAIMS, true, false);
		}

		private static Input trustedRawPayload(FuzzedDataProvider data) {
			byte[] payload = data.consumeBytes(600);
			JsonNode claims;
			try {
				claims = JSON.readTree(payload);
				claims = (claims != null && claims.isObject()) ? claims : null;
			}
			catch (JacksonException ex) {
				claims = null;
			}
			String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + issuer.keyId() + "\"}";
			String token = issuer.signRaw(JWSAlgorithm.RS256, header.getBytes(StandardCharsets.UTF_8), payload);
			return new Input(Kind.TRUSTED_RAW_PAYLOAD, token, claims, true, false);
		}

		private static Input structured(Kind kind, FuzzedDataProvider data) {
			ObjectNode claims = NODES.objectNode();
			Validity validity = registeredClaims(claims, data);
			boolean plain = validity != Validity.UNKNOWN;
			int extras = data.consumeInt(0, 6);
			for (int i = 0; i < extras; i++) {
				String name = name(data, NAMES);
				plain &= !REGISTERED.contains(name);
				if (REGISTERED.contains(name)) {
					validity = Validity.UNKNOWN;
				}
				claims.set(name, value(data, 3));
			}
			// Nimbus refuses some payloads with huge numbers (out of a double's range,
			// some integers of 66 digits): only longs and finite doubles are plain.
			plain &= plainNumbers(claims);
			JWSAlgorithm algorithm = switch (kind) {
				case TRUSTED_OTHER_ALGORITHM ->
					data.pickValue(new JWSAlgorithm[] { JWSAlgorithm.RS384, JWSAlgorithm.RS512, JWSAlgorithm.PS256 });
				case HMAC_PUBLIC_KEY -> JWSAlgorithm.HS256;
				case UNSIGNED -> new JWSAlgorithm("none");
				default -> JWSAlgorithm.RS256;
			};
			ObjectNode header = NODES.objectNode();
			header.put("alg", algorithm.getName());
			header.put("typ", "JWT");
			header.put("kid", (kind == Kind.OTHER_KEY && data.consumeBoolean()) ? FORGER.getKeyID() : issuer.keyId());
			if (kind == Kind.OTHER_KEY && data.consumeBoolean()) {
				// A verifier must never take the key a token brings along.
				header.set("jwk", JSON.readTree(FORGER.toPublicJWK().toJSONString()));
			}
			int headerExtras = data.consumeInt(0, 3);
			for (int i = 0; i < headerExtras; i++) {
				header.set(name(data, HEADER_NAMES), value(data, 1));
			}
			plain &= headerExtras == 0;
			byte[] headerBytes = JSON.writeValueAsBytes(header);
			byte[] payload = JSON.writeValueAsBytes(claims);
			String token = switch (kind) {
				case TRUSTED, TRUSTED_OTHER_ALGORITHM -> issuer.signRaw(algorithm, headerBytes, payload);
				case OTHER_KEY -> TestIssuer.signRaw(FORGER_SIGNER, algorithm, headerBytes, payload);
				case HMAC_PUBLIC_KEY -> TestIssuer.signRaw(PUBLIC_KEY_HMAC, algorithm, headerBytes, payload);
				default -> Base64URL.encode(headerBytes) + "." + Base64URL.encode(payload) + ".";
			};
			boolean genuine = kind == Kind.TRUSTED && "RS256".equals(header.path("alg").stringValue(null));
			return new Input(kind, token, genuine ? claims : null, genuine && validity != Validity.INVALID,
					genuine && validity == Validity.VALID && plain);
		}

		/**
		 * iss, aud, exp and nbf, each right, wrong or absent, away from the clock-skew
		 * edges.
		 */
		private static Validity registeredClaims(ObjectNode claims, FuzzedDataProvider data) {
			long now = Instant.now().getEpochSecond();
			boolean valid = true;
			switch (data.consumeInt(0, 3)) {
				case 0 -> claims.put("iss", TestIssuer.ISSUER);
				case 1 -> {
					claims.put("iss", TestIssuer.ISSUER + "/");
					valid = false;
				}
				case 2 -> {
					claims.put("iss", data.consumeString(40));
					valid = TestIssuer.ISSUER.equals(claims.get("iss").stringValue());
				}
				default -> valid = false;
			}
			switch (data.consumeInt(0, 3)) {
				case 0 -> claims.put("aud", TestIssuer.AUDIENCE);
				case 1 -> claims.putArray("aud").add("account").add(TestIssuer.AUDIENCE);
				case 2 -> {
					claims.putArray("aud").add("account");
					valid = false;
				}
				default -> valid = false;
			}
			boolean unknown = false;
			switch (data.consumeInt(0, 4)) {
				case 0 -> claims.put("exp", now + data.consumeLong(120, 365L * 86_400));
				case 1 -> claims.put("exp", now - 5);
				case 2 -> {
					claims.put("exp", now - data.consumeLong(120, now));
					valid = false;
				}
				case 3 -> {
					// Past year 9999: whether that is taken is not this test's business.
					claims.put("exp", data.consumeBoolean() ? data.consumeLong(253_402_300_800L, Long.MAX_VALUE)
							: data.consumeRegularDouble(2.6e11, Double.MAX_VALUE));
					unknown = true;
				}
				default -> valid = false;
			}
			switch (data.consumeInt(0, 2)) {
				case 0 -> claims.put("nbf", now - data.consumeLong(0, 86_400));
				case 1 -> {
					claims.put("nbf", now + data.consumeLong(120, 86_400));
					valid = false;
				}
				default -> {
				}
			}
			if (data.consumeBoolean()) {
				// Before every exp above: Spring refuses a token that expires before
				// it was issued.
				claims.put("iat", now - 3600);
				claims.put("sub", "f:4e3b1c9a:john");
			}
			if (!valid) {
				return Validity.INVALID;
			}
			return unknown ? Validity.UNKNOWN : Validity.VALID;
		}

		private static String name(FuzzedDataProvider data, String[] names) {
			return data.consumeBoolean() ? data.pickValue(names) : data.consumeString(20);
		}

		/**
		 * Any JSON value: unicode, huge and tiny numbers, nesting up to the depth given.
		 */
		private static JsonNode value(FuzzedDataProvider data, int depth) {
			return switch (data.consumeInt(0, (depth > 0) ? 9 : 6)) {
				case 0 -> NODES.nullNode();
				case 1 -> NODES.booleanNode(data.consumeBoolean());
				case 2 -> NODES.numberNode(data.consumeLong());
				case 3 -> NODES.numberNode(data.consumeRegularDouble());
				case 4 -> NODES.numberNode(new BigInteger(data.consumeBoolean() ? 1 : -1, data.consumeBytes(40)));
				case 5 -> NODES
					.numberNode(new BigDecimal(BigInteger.valueOf(data.consumeLong()), data.consumeInt(-400, 400)));
				case 6 -> NODES.stringNode(data.consumeString(60));
				case 7 -> {
					var array = NODES.arrayNode();
					int size = data.consumeInt(0, 4);
					for (int i = 0; i < size; i++) {
						array.add(value(data, depth - 1));
					}
					yield array;
				}
				default -> {
					ObjectNode object = NODES.objectNode();
					int size = data.consumeInt(0, 4);
					for (int i = 0; i < size; i++) {
						object.set(name(data, NAMES), value(data, depth - 1));
					}
					yield object;
				}
			};
		}

		private static boolean plainNumbers(JsonNode node) {
			if (node.isNumber()) {
				return (node.isIntegralNumber() && node.canConvertToLong())
						|| (node.isDouble() && Double.isFinite(node.doubleValue()));
			}
			for (JsonNode child : node.values()) {
				if (!plainNumbers(child)) {
					return false;
				}
			}
			return true;
		}

	}

	enum Validity {

		VALID, INVALID, UNKNOWN

	}

}
