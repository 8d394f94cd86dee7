package dev.gefyra.oauth2demo.gitops;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The realm as Keycloak imports it in each environment is fit for production: no password
 * grant, password guessing throttled, the browser sent back only to the app's own URL.
 * The local stack (scripts/demo) turns the password grant on for its tests through
 * Keycloak's environment, as nothing in a cluster does.
 */
class RealmTests {

	private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z0-9_]+)(:[^}]*)?}");

	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void clusterRealmShouldRefuseThePasswordGrant(String overlay) {
		JsonNode client = RealmImport.client(RealmImport.imported(RealmImport.keycloakEnvironment(overlay)));
		assertThat(RealmImport.bool(client.path("directAccessGrantsEnabled"))).as("directAccessGrantsEnabled")
			.isFalse();
		assertThat(RealmImport.bool(client.path("implicitFlowEnabled"))).as("implicitFlowEnabled").isFalse();
	}

	/**
	 * Keycloak locks an account for a while after repeated failed sign-ins, longer each
	 * time, never for good (a permanent lockout lets anyone lock out anyone).
	 */
	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void clusterRealmShouldThrottlePasswordGuessing(String overlay) {
		JsonNode realm = RealmImport.imported(RealmImport.keycloakEnvironment(overlay));
		assertThat(RealmImport.bool(realm.path("bruteForceProtected"))).as("bruteForceProtected").isTrue();
		assertThat(RealmImport.bool(realm.path("permanentLockout"))).as("permanentLockout").isFalse();
		assertThat(realm.path("failureFactor").asInt()).as("failures before a lockout").isBetween(3, 30);
		int wait = realm.path("waitIncrementSeconds").asInt();
		assertThat(wait).as("waitIncrementSeconds").isBetween(30, 900);
		assertThat(realm.path("maxFailureWaitSeconds").asInt()).as("maxFailureWaitSeconds").isBetween(wait, 3600);
		assertThat(realm.path("quickLoginCheckMilliSeconds").asInt()).as("quickLoginCheckMilliSeconds").isPositive();
		assertThat(realm.path("minimumQuickLoginWaitSeconds").asInt()).as("minimumQuickLoginWaitSeconds").isPositive();
		assertThat(realm.path("sslRequired").asText()).as("sslRequired").isIn("external", "all");
	}

	/**
	 * Every URI Keycloak may send the browser to is exact (no wildcard), HTTPS, and
	 * neither loopback nor a nip.io name (which anyone can point anywhere).
	 */
	@Test
	void productionRealmShouldSendTheBrowserOnlyToExactPublicHttpsUris() {
		JsonNode client = RealmImport.client(RealmImport.imported(RealmImport.keycloakEnvironment("production")));
		List<String> uris = new ArrayList<>();
		client.path("redirectUris").forEach((uri) -> uris.add(uri.asText()));
		uris.addAll(List.of(client.path("attributes").path("post.logout.redirect.uris").asText().split("##")));
		assertThat(uris).hasSize(2).allSatisfy((uri) -> {
			assertThat(uri).doesNotContain("*").isNotIn("+", "-");
			URI parsed = URI.create(uri);
			assertThat(parsed.getScheme()).isEqualTo("https");
			assertThat(parsed.getHost()).isNotIn("localhost", "127.0.0.1", "[::1]")
				.doesNotEndWith(".localhost")
				.doesNotEndWith("nip.io");
		});
	}

	/**
	 * The realm file holds no URL and no setting of an environment: each comes from
	 * Keycloak's environment, with no default, or a default safe for production. A
	 * missing app URL fails the import (Keycloak refuses a redirect URI that is not a
	 * URI).
	 */
	@Test
	void realmFileShouldHoldNoEnvironmentsUrlAndOnlySafeDefaults() {
		String file = GitOpsTree.read(RealmImport.REALM_FILE);
		assertThat(file).doesNotContain("http:").doesNotContain("https:");
		Map<String, String> defaults = new TreeMap<>();
		Matcher placeholder = PLACEHOLDER.matcher(file);
		while (placeholder.find()) {
			defaults.put(placeholder.group(1),
					(placeholder.group(2) != null) ? placeholder.group(2).substring(1) : "(none)");
		}
		assertThat(defaults).isEqualTo(Map.of("OAUTH2_DEMO_CLIENT_SECRET", "(none)", "OAUTH2_DEMO_URL", "(none)",
				"OAUTH2_DEMO_DIRECT_GRANTS", "false"));
	}

	/**
	 * The check of the clusters' realms can fail: the environment variable the local
	 * stack sets turns the password grant on.
	 */
	@Test
	void directGrantsShouldFollowKeycloaksEnvironment() {
		Map<String, String> localStack = Map.of("OAUTH2_DEMO_URL", "http://127.0.0.1:4180", "OAUTH2_DEMO_DIRECT_GRANTS",
				"true");
		assertThat(RealmImport
			.bool(RealmImport.client(RealmImport.imported(localStack)).path("directAccessGrantsEnabled"))).isTrue();
		assertThat(RealmImport.bool(RealmImport.client(RealmImport.imported(Map.of("OAUTH2_DEMO_URL", "x")))
			.path("directAccessGrantsEnabled"))).isFalse();
	}

}
