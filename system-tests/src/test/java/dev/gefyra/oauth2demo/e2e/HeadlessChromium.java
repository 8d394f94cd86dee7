package dev.gefyra.oauth2demo.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium and chromedriver, as {@code scripts/test/e2e-local} finds them,
 * started headless with a profile of its own, so each browser begins without cookies;
 * {@code E2E_HOST_RESOLVER_RULES}, when set, maps host names to addresses. Chromium on
 * Linux trusts the certificate authorities of the NSS database in its home directory
 * ({@code ~/.pki/nssdb}) besides the system's: {@link #start(Path)} gives it one.
 */
final class HeadlessChromium {

	private HeadlessChromium() {
	}

	static ChromeDriver start() throws IOException {
		return start(null);
	}

	/**
	 * Starts a browser whose home directory is {@code home} (when not null): the
	 * certificate authorities of {@code home/.pki/nssdb} are the ones it trusts beyond
	 * the system's.
	 */
	static ChromeDriver start(Path home) throws IOException {
		ChromeDriverService.Builder builder = new ChromeDriverService.Builder()
			.usingDriverExecutable(Path.of(LocalStack.required("E2E_CHROMEDRIVER")).toFile());
		if (home != null) {
			builder.withEnvironment(Map.of("HOME", home.toString()));
		}
		ChromeDriverService service = builder.build();
		ChromeOptions options = new ChromeOptions().setBinary(LocalStack.required("E2E_CHROMIUM"))
			.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
					"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
					"--disable-sync", "--window-size=1100,760",
					"--user-data-dir=" + Files.createTempDirectory("e2e-chromium"));
		String hostRules = LocalStack.env("E2E_HOST_RESOLVER_RULES", "");
		if (!hostRules.isEmpty()) {
			// The environment's host names have no DNS here: the test maps them, the
			// product is unchanged.
			options.addArguments("--host-resolver-rules=" + hostRules);
		}
		return new ChromeDriver(service, options);
	}

}
