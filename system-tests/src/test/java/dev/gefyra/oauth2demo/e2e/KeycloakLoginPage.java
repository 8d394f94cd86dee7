package dev.gefyra.oauth2demo.e2e;

import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * Keycloak's login form, filled in as a person does; the demo users' password is their
 * name.
 */
final class KeycloakLoginPage {

	private KeycloakLoginPage() {
	}

	static void signIn(WebDriver browser, String user) {
		browser.findElement(By.id("username")).clear();
		browser.findElement(By.id("username")).sendKeys(user);
		browser.findElement(By.id("password")).sendKeys(user);
		browser.findElement(By.id("kc-login")).click();
	}

}
