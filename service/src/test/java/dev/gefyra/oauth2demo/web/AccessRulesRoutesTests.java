package dev.gefyra.oauth2demo.web;

import java.util.List;
import java.util.Map;

import dev.gefyra.oauth2demo.support.TestIssuer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code claims.access} over HTTP with real tokens: the first matching rule decides, a
 * covered route needs a verified token (401) that meets the rule (403 naming the rule,
 * never the token's content), a route no rule covers answers as without rules. Rules
 * unlike the demo's defaults, so a pass is not the absence of rules.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.server.port=0", "claims.mapping[0].field=Email", "claims.mapping[0].claim=email",
				"claims.access[0].path=/items/7", "claims.access[1].path=/items/**",
				"claims.access[1].require.groups[0]=engineering", "claims.access[1].require.groups[1]=ops",
				"claims.access[2].path=/me", "claims.access[2].require.roles[0]=demo-admin",
				"claims.access[2].require.client-roles.oauth2-demo[0]=reader" })
@AutoConfigureWebTestClient
class AccessRulesRoutesTests {

	@RegisterExtension
	static final TestIssuer issuer = TestIssuer.start();

	private static final String HEADER = "X-Forwarded-Access-Token";

	@Autowired
	private WebTestClient client;

	@Test
	void memberOfAListedGroupShouldBeAnswered() {
		String jane = issuer.token((claims) -> claims.claim("groups", List.of("ops")));
		this.client.get()
			.uri("/items/1")
			.header(HEADER, jane)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.json("{\"item_id\":1,\"Email\":\"john@gefyra.dev\"}", true);
	}

	@Test
	void tokenWithoutTheGroupShouldGetForbiddenNamingTheRuleNotTheToken() {
		String john = issuer.token((claims) -> claims.claim("groups", List.of("sales")));
		String body = this.client.get()
			.uri("/items/1")
			.header(HEADER, john)
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectHeader()
			.valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"insufficient_scope\"")
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(body).contains("claims.access[1] (/items/**) requires one of group engineering, ops")
			.doesNotContain("sales")
			.doesNotContain("john");
	}

	@Test
	void noTokenWhereARuleAppliesShouldGetUnauthorized() {
		this.client.get()
			.uri("/items/1")
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("This route needs a verified access token: claims.access[1] (/items/**) requires one of "
					+ "group engineering, ops");
	}

	@Test
	void firstMatchingRuleShouldDecide() {
		// /items/7 has its own rule without require, before /items/**: any verified
		// token.
		String john = issuer.token((claims) -> claims.claim("groups", List.of("sales")));
		this.client.get().uri("/items/7").header(HEADER, john).exchange().expectStatus().isOk();
		this.client.get().uri("/items/7").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void routeNoRuleCoversShouldAnswerAsWithoutRules() {
		this.client.get().uri("/").exchange().expectStatus().isOk();
	}

	@Test
	void everyKindARuleNamesShouldBeMet() {
		String realmRoleOnly = issuer
			.token((claims) -> claims.claim("realm_access", Map.of("roles", List.of("demo-admin"))));
		this.client.get().uri("/me").header(HEADER, realmRoleOnly).exchange().expectStatus().isForbidden();
		String both = issuer.token((claims) -> claims.claim("realm_access", Map.of("roles", List.of("demo-admin")))
			.claim("resource_access", Map.of("oauth2-demo", Map.of("roles", List.of("reader")))));
		this.client.get().uri("/me").header(HEADER, both).exchange().expectStatus().isOk();
	}

	@Test
	void oddClaimShapesShouldBeRefusedNeverFail() {
		String groupsAsString = issuer.token((claims) -> claims.claim("groups", "engineering"));
		this.client.get().uri("/items/1").header(HEADER, groupsAsString).exchange().expectStatus().isOk();
		String nested = issuer.token((claims) -> claims.claim("groups", List.of(List.of("engineering"))));
		this.client.get().uri("/items/1").header(HEADER, nested).exchange().expectStatus().isForbidden();
		String groupsAsObject = issuer.token((claims) -> claims.claim("groups", Map.of("engineering", true)));
		this.client.get().uri("/items/1").header(HEADER, groupsAsObject).exchange().expectStatus().isForbidden();
		String rolesMissing = issuer.token((claims) -> claims.claim("realm_access", null));
		this.client.get().uri("/me").header(HEADER, rolesMissing).exchange().expectStatus().isForbidden();
		String rolesNotAList = issuer.token((claims) -> claims.claim("realm_access", "demo-admin"));
		this.client.get().uri("/me").header(HEADER, rolesNotAList).exchange().expectStatus().isForbidden();
	}

	@Test
	void invalidTokenWhereARuleAppliesShouldStayUnauthorized() {
		this.client.get()
			.uri("/items/1")
			.header(HEADER, issuer.tokenSignedByAnotherKey())
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.value(HttpHeaders.WWW_AUTHENTICATE, (challenge) -> assertThat(challenge).contains("invalid_token"));
	}

}
