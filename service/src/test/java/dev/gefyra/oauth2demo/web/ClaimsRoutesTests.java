package dev.gefyra.oauth2demo.web;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;

import dev.gefyra.oauth2demo.support.TestIssuer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The routes over HTTP, with real RS256 tokens checked against a JWKS served on loopback.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "token.jwks-refetch-interval=0s", "claims.mapping[0].field=Email",
				"claims.mapping[0].claim=email", "claims.mapping[1].field=username",
				"claims.mapping[1].claim=preferred_username", "claims.mapping[2].field=roles",
				"claims.mapping[2].claim=realm_access.roles", "claims.mapping[3].field=verified",
				"claims.mapping[3].claim=email_verified" })
@AutoConfigureWebTestClient
class ClaimsRoutesTests {

	@RegisterExtension
	static final TestIssuer issuer = TestIssuer.start();

	private static final String HEADER = "X-Forwarded-Access-Token";

	@Autowired
	private WebTestClient client;

	@Test
	void rootShouldGreet() {
		this.client.get().uri("/").exchange().expectStatus().isOk().expectBody().json("{\"Hello\":\"World\"}", true);
	}

	@Test
	void itemWithValidTokenShouldAnswerMappedClaimsInOrder() {
		this.client.get()
			.uri("/items/123")
			.header(HEADER, issuer.token())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.isEqualTo("{\"item_id\":123,\"Email\":\"john@gefyra.dev\",\"username\":\"john\","
					+ "\"roles\":[\"offline_access\",\"demo-user\"],\"verified\":true}");
	}

	@Test
	void itemShouldReadClaimEmailNotEmail() {
		String token = issuer.token((claims) -> claims.claim("email", null).claim("Email", "wrong@gefyra.dev"));
		okBody("/items/1", token).jsonPath("$.Email").isEqualTo("not given");
	}

	@Test
	void itemWhenClaimsMissingShouldSayNotGiven() {
		String token = issuer.token((claims) -> claims.claim("realm_access", null).claim("preferred_username", null));
		okBody("/items/7", token)
			.json("{\"item_id\":7,\"Email\":\"john@gefyra.dev\",\"username\":\"not given\",\"roles\":\"not given\","
					+ "\"verified\":true}", true);
	}

	@Test
	void itemWhenNoTokenShouldSayNotGiven() {
		okBody("/items/123", null)
			.json("{\"item_id\":123,\"Email\":\"not given\",\"username\":\"not given\",\"roles\":\"not given\","
					+ "\"verified\":\"not given\"}", true);
	}

	@Test
	void itemWhenBlankTokenHeaderShouldSayNotGiven() {
		okBody("/items/123", "").jsonPath("$.Email").isEqualTo("not given");
	}

	@Test
	void itemWithBearerPrefixShouldBeAccepted() {
		okBody("/items/1", "Bearer " + issuer.token()).jsonPath("$.Email").isEqualTo("john@gefyra.dev");
	}

	@Test
	void meShouldAnswerTokenClaimsAsInTheTokenAndMappedView() {
		Instant expiry = Instant.now().plusSeconds(120);
		String token = issuer.token((claims) -> claims.expirationTime(Date.from(expiry)));
		okBody("/me", token).jsonPath("$.Token.email")
			.isEqualTo("john@gefyra.dev")
			.jsonPath("$.Token.exp")
			.isEqualTo(expiry.getEpochSecond())
			.jsonPath("$.Token.aud[0]")
			.isEqualTo("oauth2-demo")
			.jsonPath("$.Token.realm_access.roles[1]")
			.isEqualTo("demo-user")
			.jsonPath("$.mapped.Email")
			.isEqualTo("john@gefyra.dev");
	}

	@Test
	void meWhenNoTokenShouldSayNotGiven() {
		okBody("/me", null).jsonPath("$.Token")
			.isEqualTo("not given")
			.jsonPath("$.mapped.Email")
			.isEqualTo("not given");
	}

	@Test
	void expiredTokenShouldBeUnauthorized() {
		Instant past = Instant.now().minus(Duration.ofMinutes(10));
		assertInvalidToken(
				issuer.token(
						(claims) -> claims.issueTime(Date.from(past.minusSeconds(60))).expirationTime(Date.from(past))),
				"Jwt expired at");
	}

	@Test
	void tokenExpiredWithinClockSkewShouldBeAccepted() {
		Instant justNow = Instant.now().minusSeconds(5);
		this.client.get()
			.uri("/items/1")
			.header(HEADER,
					issuer.token((claims) -> claims.issueTime(Date.from(justNow.minusSeconds(300)))
						.expirationTime(Date.from(justNow))))
			.exchange()
			.expectStatus()
			.isOk();
	}

	@Test
	void tokenWithoutExpiryShouldBeUnauthorized() {
		assertInvalidToken(issuer.token((claims) -> claims.expirationTime(null)), "exp is required");
	}

	@Test
	void notYetValidTokenShouldBeUnauthorized() {
		assertInvalidToken(
				issuer.token((claims) -> claims.notBeforeTime(Date.from(Instant.now().plus(Duration.ofMinutes(10))))),
				"Jwt used before");
	}

	@Test
	void wrongIssuerShouldBeUnauthorized() {
		assertInvalidToken(issuer.token((claims) -> claims.issuer("http://evil.test/realms/demo")),
				"The iss claim is not valid");
	}

	@Test
	void wrongAudienceShouldBeUnauthorized() {
		assertInvalidToken(issuer.token((claims) -> claims.audience("account")), "The aud claim is not valid");
	}

	@Test
	void tokenSignedByAnotherKeyShouldBeUnauthorized() {
		assertInvalidToken(issuer.tokenSignedByAnotherKey(), "Invalid signature");
	}

	@Test
	void unsignedTokenShouldBeUnauthorized() {
		assertInvalidToken(TestIssuer.unsignedToken(), "algorithm");
	}

	@Test
	void hmacTokenKeyedWithThePublicKeyShouldBeUnauthorized() {
		assertInvalidToken(issuer.tokenHmacSignedWithPublicKey(), "Unsupported algorithm HS256");
	}

	@Test
	void unknownKeyIdShouldBeUnauthorizedWithTheKeyIdNamed() {
		assertInvalidToken(TestIssuer.tokenWithKeyId("no-such-key"),
				"The issuer has no RS256 key with kid 'no-such-key'");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "garbage | decode the Jwt: Invalid JWT serialization", "a.b.c | decode the Jwt",
					"eyJhbGciOiJSUzI1NiJ9.%%%.sig | Payload of JWS object is not a valid JSON object",
					"... | decode the Jwt", "Bearer | decode the Jwt: Invalid JWT serialization" })
	void malformedTokenShouldBeUnauthorized(String token, String reason) {
		assertInvalidToken(token, reason);
	}

	/**
	 * Issue 12, item 9: a refusal may quote what the token's header says, but not at any
	 * length, in the body nor in {@code WWW-Authenticate}.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "kid", "alg", "typ", "cty", "crit", "jku", "x5u", "x5t", "x5t#S256", "enc", "zip" })
	void longHeaderValueShouldNotBeEchoedInFull(String name) {
		String longValue = "K".repeat(3_000);
		Map<String, Object> header = new LinkedHashMap<>();
		header.put("alg", "RS256");
		header.put("typ", "JWT");
		header.put("kid", issuer.keyId());
		header.put(name, name.equals("crit") ? List.of(longValue) : longValue);
		String token = issuer.signRaw(JWSAlgorithm.RS256, JSONObjectUtils.toJSONString(header).getBytes(UTF_8),
				TestIssuer.validClaims().build().toString().getBytes(UTF_8));
		EntityExchangeResult<String> result = exchange(token);
		assertThat(result.getStatus().value()).isIn(200, 401);
		assertNotEchoedInFull(result, longValue);
		if (Set.of("kid", "alg").contains(name)) {
			assertThat(result.getResponseBody()).contains(longValue.substring(0, 64) + "...");
		}
	}

	@Test
	void longAlgorithmOfAnEncryptedTokenShouldNotBeEchoedInFull() {
		String longValue = "K".repeat(3_000);
		String header = "{\"alg\":\"" + longValue + "\",\"enc\":\"A128GCM\"}";
		String token = Base64URL.encode(header.getBytes(UTF_8)) + ".a2V5.aXY.Y2lwaGVydGV4dA.dGFn";
		EntityExchangeResult<String> result = exchange(token);
		assertThat(result.getStatus().value()).isEqualTo(401);
		assertNotEchoedInFull(result, longValue);
		assertThat(result.getResponseBody()).contains("Unsupported algorithm of " + longValue.substring(0, 64) + "...");
	}

	private EntityExchangeResult<String> exchange(String token) {
		return this.client.get()
			.uri("/items/1")
			.header(HEADER, token)
			.exchange()
			.expectBody(String.class)
			.returnResult();
	}

	private static void assertNotEchoedInFull(EntityExchangeResult<String> result, String value) {
		String longestQuote = value.substring(0, 65);
		assertThat(result.getResponseHeaders().toString()).doesNotContain(longestQuote);
		assertThat(result.getResponseBody()).doesNotContain(longestQuote);
	}

	@Test
	void tokenFromRotatedKeyShouldBeAcceptedAfterJwksRefresh() {
		this.client.get().uri("/items/1").header(HEADER, issuer.token()).exchange().expectStatus().isOk();
		int fetchesBefore = issuer.jwksRequests();
		issuer.rotateKey();
		okBody("/items/1", issuer.token()).jsonPath("$.Email").isEqualTo("john@gefyra.dev");
		assertThat(issuer.jwksRequests()).isGreaterThan(fetchesBefore);
	}

	@ParameterizedTest
	@ValueSource(strings = { "abc", "12.5", "2147483648", "-2147483649", "99999999999999999999", "1e3", "%20" })
	void invalidItemIdShouldBeBadRequestProblem(String id) {
		this.client.get()
			.uri("/items/" + id)
			.header(HEADER, issuer.token())
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(400)
			.jsonPath("$.title")
			.isEqualTo("Invalid item_id")
			.jsonPath("$.detail")
			.value((String detail) -> assertThat(detail).startsWith("item_id must be an integer"));
	}

	@ParameterizedTest
	@ValueSource(ints = { Integer.MIN_VALUE, Integer.MAX_VALUE })
	void itemIdAtIntBoundsShouldBeAccepted(int id) {
		okBody("/items/" + id, null).jsonPath("$.item_id").isEqualTo(id);
	}

	@Test
	void unknownPathShouldBeNotFoundProblem() {
		this.client.get()
			.uri("/items")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("No route for '/items'; try /, /items/{item_id} or /me");
	}

	@Test
	void otherMethodShouldBeMethodNotAllowedProblem() {
		this.client.post()
			.uri("/items/1")
			.exchange()
			.expectStatus()
			.isEqualTo(405)
			.expectHeader()
			.valueEquals(HttpHeaders.ALLOW, "GET,HEAD")
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
	}

	@Test
	void headShouldAnswerLikeGetWithoutBody() {
		this.client.head()
			.uri("/items/1")
			.header(HEADER, issuer.token())
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectBody()
			.isEmpty();
	}

	private WebTestClient.BodyContentSpec okBody(String uri, @Nullable String token) {
		return this.client.get().uri(uri).headers((headers) -> {
			if (token != null) {
				headers.set(HEADER, token);
			}
		}).exchange().expectStatus().isOk().expectBody();
	}

	private void assertInvalidToken(String token, String reason) {
		this.client.get()
			.uri("/items/123")
			.header(HEADER, token)
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.value(HttpHeaders.WWW_AUTHENTICATE,
					(value) -> assertThat(value).startsWith("Bearer error=\"invalid_token\""))
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(401)
			.jsonPath("$.title")
			.isEqualTo("Invalid access token")
			.jsonPath("$.detail")
			.value((String detail) -> assertThat(detail).contains(reason));
	}

}
