package dev.gefyra.oauth2demo.e2e;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A person's path through the local stack, in headless Chromium: sent to Keycloak's login
 * page, signed in as the realm's demo user, shown the mapped email, signed out of the
 * proxy and Keycloak alike, and signed in as another user; and what the proxy keeps out.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrowserLoginIT {

	private static final String SESSION_COOKIE = "_oauth2_demo";

	private static final Path screenshots = Path.of(LocalStack.env("E2E_SCREENSHOTS", "target/e2e"));

	private static ChromeDriver browser;

	private static WebDriverWait wait;

	private static String sessionCookie;

	@BeforeAll
	static void startBrowser() throws IOException {
		Files.createDirectories(screenshots);
		browser = HeadlessChromium.start();
		wait = new WebDriverWait(browser, Duration.ofSeconds(20));
	}

	@AfterAll
	static void stopBrowser() {
		if (browser != null) {
			browser.quit();
		}
	}

	@Test
	@Order(1)
	void withoutSessionTheProxyShouldRedirectToTheLoginNeverServeData() {
		HttpResponse<String> response = LocalStack.get(LocalStack.PROXY + "/items/123",
				Map.of("X-Forwarded-Access-Token", "forged"));
		assertThat(response.statusCode()).isIn(302, 303);
		assertThat(response.headers().firstValue("Location")).hasValueSatisfying(
				(location) -> assertThat(location).startsWith(LocalStack.ISSUER + "/protocol/openid-connect/auth"));
		assertThat(response.body()).doesNotContain("item_id");
	}

	@Test
	@Order(2)
	void loginShouldLandOnTheItemWithTheMappedEmail() throws IOException {
		browser.get(LocalStack.PROXY + "/items/123");
		wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
		assertThat(browser.getCurrentUrl()).startsWith(LocalStack.ISSUER + "/protocol/openid-connect/auth")
			.contains("code_challenge_method=S256")
			.contains("client_id=oauth2-demo");
		screenshot("login-page.png");
		JsonNode item = logInAndReadItem123("john@gefyra.dev");
		assertThat(item).isEqualTo(LocalStack.parse("{\"item_id\":123,\"Email\":\"john@gefyra.dev\"}"));
		screenshot("items-result.png");
		Cookie cookie = browser.manage().getCookieNamed(SESSION_COOKIE);
		assertThat(cookie).isNotNull();
		assertThat(cookie.isHttpOnly()).isTrue();
		sessionCookie = cookie.getName() + "=" + cookie.getValue();
	}

	@Test
	@Order(3)
	void meShouldShowTheTokenKeycloakIssued() {
		browser.get(LocalStack.PROXY + "/me");
		JsonNode me = LocalStack.parse(browser.findElement(By.tagName("body")).getText());
		assertThat(me.path("Token").path("email").asString()).isEqualTo("john@gefyra.dev");
		assertThat(me.path("Token").path("iss").asString()).isEqualTo(LocalStack.ISSUER);
		assertThat(me.path("Token").path("aud").toString()).contains("\"oauth2-demo\"");
		assertThat(me.path("mapped").path("Email").asString()).isEqualTo("john@gefyra.dev");
	}

	@Test
	@Order(4)
	void aForgedTokenHeaderShouldNotGetPastTheProxy() {
		HttpResponse<String> response = LocalStack.get(LocalStack.PROXY + "/items/5", Map.of("Cookie", sessionCookie,
				"X-Forwarded-Access-Token", ForgedTokens.unsignedFor("evil@example.com")));
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(LocalStack.parse(response.body()).path("Email").asString()).isEqualTo("john@gefyra.dev");
	}

	@Test
	@Order(5)
	void signingOutShouldEndTheKeycloakSessionSoAnotherUserCanLogIn() {
		browser.get(LocalStack.PROXY + "/oauth2/sign_out");
		assertThat(browser.manage().getCookieNamed(SESSION_COOKIE)).isNull();
		browser.get(LocalStack.PROXY + "/items/123");
		wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
		assertThat(browser.getCurrentUrl()).startsWith(LocalStack.ISSUER + "/protocol/openid-connect/auth");
		JsonNode item = logInAndReadItem123("jane@gefyra.dev");
		assertThat(item).isEqualTo(LocalStack.parse("{\"item_id\":123,\"Email\":\"jane.doe@gefyra.dev\"}"));
	}

	private static JsonNode logInAndReadItem123(String user) {
		KeycloakLoginPage.signIn(browser, user);
		wait.until(ExpectedConditions.urlToBe(LocalStack.PROXY + "/items/123"));
		return LocalStack.parse(browser.findElement(By.tagName("body")).getText());
	}

	private static void screenshot(String name) throws IOException {
		Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), screenshots.resolve(name),
				StandardCopyOption.REPLACE_EXISTING);
	}

}
