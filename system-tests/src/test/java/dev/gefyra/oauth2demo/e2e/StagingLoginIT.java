package dev.gefyra.oauth2demo.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A login to the staging environment over HTTPS, as a person makes it: headless Chromium
 * trusting only the cluster's CA (an NSS database holding it alone, no certificate error
 * ignored), through the node's Ingress to Keycloak's login form and back to the service's
 * answer. Run by {@code scripts/test/cluster-staging}, which makes the CA's database, the
 * user, and maps the environment's hosts to the Ingress; the figures go to
 * {@code STAGING_RESULTS} for its RESULT line.
 */
class StagingLoginIT {

	private static final String APP = LocalStack.required("STAGING_APP_URL");

	private static final String KEYCLOAK = LocalStack.required("STAGING_KEYCLOAK_URL");

	private static final String USER = LocalStack.required("STAGING_USER");

	private static final String EMAIL = LocalStack.required("STAGING_USER_EMAIL");

	private static final Path TRUSTING_HOME = Path.of(LocalStack.required("STAGING_BROWSER_HOME"));

	/** One for the class: each test method runs on a new instance. */
	private static final JourneyResults results = new JourneyResults(Path.of(LocalStack.required("STAGING_RESULTS")));

	private ChromeDriver browser;

	@BeforeEach
	void startBrowser() throws Exception {
		this.browser = HeadlessChromium.start(TRUSTING_HOME);
	}

	@AfterEach
	void stopBrowser() {
		if (this.browser != null) {
			this.browser.quit();
		}
	}

	/**
	 * The control: the same browser without the CA in its trust store refuses the staging
	 * hosts, so the login below could not pass by ignoring certificates.
	 */
	@Test
	void browserWithoutTheClustersCaShouldRefuseTheStagingHosts() throws Exception {
		Path home = Files.createTempDirectory("staging-untrusting-home");
		ChromeDriver untrusting = HeadlessChromium.start(home);
		try {
			untrusting.get(APP + "/items/123");
			String page = untrusting.getPageSource();
			assertThat(page).contains("ERR_CERT_AUTHORITY_INVALID").doesNotContain("kc-login");
			results.put("untrusting_browser", "refused");
		}
		finally {
			untrusting.quit();
		}
	}

	@Test
	void userShouldLogInOverVerifiedHttpsAndGetTheMappedClaims() {
		// Plain http is sent to https by the ingress controller before anything else.
		this.browser.get(APP.replace("https://", "http://").replace(":8443", ":8080") + "/items/123");
		waitForLoginForm();
		assertThat(this.browser.getCurrentUrl()).startsWith(KEYCLOAK + "/realms/demo/protocol/openid-connect/auth");
		this.browser.findElement(By.id("username")).sendKeys(USER);
		this.browser.findElement(By.id("password")).sendKeys(LocalStack.required("STAGING_PASSWORD"));
		this.browser.findElement(By.id("kc-login")).click();
		new WebDriverWait(this.browser, Duration.ofSeconds(30)).until(ExpectedConditions.urlToBe(APP + "/items/123"));
		JsonNode answer = LocalStack.json.readTree(this.browser.findElement(By.tagName("body")).getText());
		assertThat(answer.path("item_id").asInt()).isEqualTo(123);
		assertThat(answer.path("Email").asText()).isEqualTo(EMAIL);
		results.put("https_login", "ok");

		Cookie session = this.browser.manage().getCookieNamed("_oauth2_demo");
		assertThat(session).as("the proxy's session cookie").isNotNull();
		assertThat(session.isSecure()).as("Secure").isTrue();
		assertThat(session.isHttpOnly()).as("HttpOnly").isTrue();
		assertThat(session.getSameSite()).as("SameSite").isEqualTo("Lax");
		results.put("cookie", "Secure,HttpOnly,SameSite=" + session.getSameSite());

		this.browser.get(APP + "/me");
		JsonNode token = LocalStack.json.readTree(this.browser.findElement(By.tagName("body")).getText()).path("Token");
		assertThat(token.path("iss").asText()).isEqualTo(KEYCLOAK + "/realms/demo");
		assertThat(token.path("email").asText()).isEqualTo(EMAIL);
		results.put("issuer", token.path("iss").asText());
	}

	private void waitForLoginForm() {
		new WebDriverWait(this.browser, Duration.ofSeconds(60))
			.until(ExpectedConditions.presenceOfElementLocated(By.id("kc-login")));
	}

}
