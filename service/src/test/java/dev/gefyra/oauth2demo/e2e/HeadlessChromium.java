package dev.gefyra.oauth2demo.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium and chromedriver, as {@code scripts/test/e2e-local} finds them,
 * started headless with a profile of its own, so each browser begins without cookies.
 */
final class HeadlessChromium {

	private HeadlessChromium() {
	}

	static ChromeDriver start() throws IOException {
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(Path.of(LocalStack.required("E2E_CHROMEDRIVER")).toFile())
			.build();
		ChromeOptions options = new ChromeOptions().setBinary(LocalStack.required("E2E_CHROMIUM"))
			.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
					"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
					"--disable-sync", "--window-size=1100,760",
					"--user-data-dir=" + Files.createTempDirectory("e2e-chromium"));
		return new ChromeDriver(service, options);
	}

}
