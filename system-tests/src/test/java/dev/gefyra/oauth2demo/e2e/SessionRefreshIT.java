package dev.gefyra.oauth2demo.e2e;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A browser session older than its access token. OAuth2-Proxy keeps the access token in
 * the session cookie and, unless it refreshes the session, forwards it after it expired,
 * so the service refuses every request. Here the realm's access tokens live a few seconds
 * while john signs in, and two proxies with the sidecar's options file run beside the
 * stack's ({@code scripts/test/e2e-local} starts them): one refreshing sessions sooner
 * than that ({@code cookie_refresh}), one never. Also: the stack's own proxy keeps its
 * cookie as long as Keycloak keeps an idle SSO session.
 */
class SessionRefreshIT {

	private static final String SESSION_COOKIE = "_oauth2_demo";

	/** The access token's life in this test; the refreshing proxy refreshes after 5 s. */
	private static final Duration TOKEN_LIFESPAN = Duration.ofSeconds(10);

	/** The service's tolerance for {@code exp} (30 s) with room for a busy machine. */
	private static final Duration REFUSAL_AFTER_EXPIRY = Duration.ofSeconds(60);

	private ChromeDriver browser;

	private WebDriverWait wait;

	@BeforeEach
	void startBrowser() throws IOException {
		this.browser = HeadlessChromium.start();
		this.wait = new WebDriverWait(this.browser, Duration.ofSeconds(20));
	}

	@AfterEach
	void stopBrowser() {
		this.browser.quit();
	}

	@Test
	void sessionCookieShouldLastAsLongAsKeycloakKeepsAnIdleSsoSession() throws Exception {
		logInAtMe(LocalStack.PROXY, "john@gefyra.dev");
		Duration cookieLife = Duration.between(Instant.now(),
				this.browser.manage().getCookieNamed(SESSION_COOKIE).getExpiry().toInstant());
		Duration ssoIdle = Duration.ofSeconds(KeycloakAdmin.signIn().realm().path("ssoSessionIdleTimeout").asLong());
		assertThat(cookieLife).as("the session cookie's life, against the realm's ssoSessionIdleTimeout %s", ssoIdle)
			.isBetween(ssoIdle.minusSeconds(60), ssoIdle.plusSeconds(5));
	}

	@Test
	void sessionOlderThanItsAccessTokenShouldBeServedAFreshTokenWhereTheProxyRefreshesIt() throws Exception {
		String refreshing = LocalStack.required("E2E_REFRESHING_PROXY_URL");
		String nonRefreshing = LocalStack.required("E2E_NON_REFRESHING_PROXY_URL");
		KeycloakAdmin admin = KeycloakAdmin.signIn();
		long shippedLifespan = admin.realm().path("accessTokenLifespan").asLong();
		JsonNode issued;
		admin.updateRealm("accessTokenLifespan", TOKEN_LIFESPAN.toSeconds());
		try {
			issued = logInAtMe(LocalStack.PROXY, "john@gefyra.dev").path("Token");
		}
		finally {
			admin.updateRealm("accessTokenLifespan", shippedLifespan);
		}
		assertThat(issued.path("exp").asLong() - issued.path("iat").asLong()).isEqualTo(TOKEN_LIFESPAN.toSeconds());
		String cookies = sessionCookies();

		// The control: without cookie_refresh the session's expired token is forwarded.
		await().atMost(TOKEN_LIFESPAN.plus(REFUSAL_AFTER_EXPIRY))
			.pollInterval(Duration.ofSeconds(1))
			.untilAsserted(() -> {
				HttpResponse<String> response = LocalStack.get(nonRefreshing + "/me", Map.of("Cookie", cookies));
				assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
				assertThat(response.body()).containsIgnoringCase("expired");
			});

		long refusedAtAge = Instant.now().getEpochSecond() - issued.path("iat").asLong();

		// The same session, as old, where the proxy refreshes it: a new token, served.
		JsonNode refreshed = readMe(refreshing).path("Token");
		assertThat(refreshed.path("email").asString()).isEqualTo("john@gefyra.dev");
		assertThat(refreshed.path("iat").asLong()).isGreaterThan(issued.path("iat").asLong());
		assertThat(refreshed.path("exp").asLong()).isGreaterThan(Instant.now().getEpochSecond());
		assertThat(sessionCookies()).as("the refreshed session, saved in the browser's cookie").isNotEqualTo(cookies);
		this.browser.get(refreshing + "/items/123");
		assertThat(body()).isEqualTo(LocalStack.parse("{\"item_id\":123,\"Email\":\"john@gefyra.dev\"}"));
		assertThat(readMe(LocalStack.PROXY).path("Token").path("iat").asLong())
			.as("the stack's proxy, given the refreshed cookie, forwards the new token")
			.isGreaterThanOrEqualTo(refreshed.path("iat").asLong());
		System.out.printf("session refresh: access token lifespan %d s; at session age %d s the non-refreshing "
				+ "proxy's request got 401, the refreshing proxy's 200 with a token issued %d s after the first%n",
				TOKEN_LIFESPAN.toSeconds(), refusedAtAge, refreshed.path("iat").asLong() - issued.path("iat").asLong());
	}

	private JsonNode logInAtMe(String proxy, String user) {
		this.browser.get(proxy + "/me");
		this.wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
		KeycloakLoginPage.signIn(this.browser, user);
		this.wait.until(ExpectedConditions.urlToBe(proxy + "/me"));
		return body();
	}

	private JsonNode readMe(String proxy) {
		this.browser.get(proxy + "/me");
		JsonNode me = body();
		assertThat(me.has("Token")).as("/me at %s answered %s", proxy, me).isTrue();
		return me;
	}

	private JsonNode body() {
		return LocalStack.parse(this.browser.findElement(By.tagName("body")).getText());
	}

	/** The proxy's session cookie as the browser would send it (split if it is large). */
	private String sessionCookies() {
		return this.browser.manage()
			.getCookies()
			.stream()
			.filter((cookie) -> cookie.getName().startsWith(SESSION_COOKIE))
			.map((cookie) -> cookie.getName() + "=" + cookie.getValue())
			.sorted()
			.collect(Collectors.joining("; "));
	}

}
