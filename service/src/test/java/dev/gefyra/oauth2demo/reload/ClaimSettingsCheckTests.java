package dev.gefyra.oauth2demo.reload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The check a user runs before a push gives the verdict the running service would: on
 * rendered manifests as kustomize prints them, with a mapping unlike the built-in one.
 */
class ClaimSettingsCheckTests {

	private static final String OTHER_OBJECTS = """
			apiVersion: v1
			kind: ConfigMap
			metadata:
			  name: oauth2-proxy-4d2h7
			data:
			  oauth2-proxy.cfg: "provider = 'keycloak-oidc'"
			---
			apiVersion: v1
			kind: Namespace
			metadata:
			  name: oauth2-demo
			""";

	@TempDir
	Path directory;

	private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

	@Test
	void takenSettingsShouldPassAndNameTheMappingServed() throws IOException {
		Path rendered = render("""
				claims:
				  mapping:
				    - field: Username
				      claim: preferred_username
				    - field: Roles
				      claim: realm_access.roles
				""");
		assertThat(check(rendered)).isTrue();
		assertThat(printed()).isEqualTo(rendered
				+ ": ConfigMap oauth2-demo taken: [Username <- preferred_username, Roles <- realm_access.roles]");
	}

	@Test
	void refusedSettingsShouldFailWithTheServicesMessage() throws IOException {
		Path rendered = render("""
				claims:
				  mapping:
				    - field: Username
				      claim: preferred_username
				    - field: "Name "
				      claim: email..x
				""");
		assertThat(check(rendered)).isFalse();
		assertThat(printed()).startsWith(rendered + ": ConfigMap oauth2-demo refused: ")
			.contains("claims.mapping[1].field 'Name ' starts or ends with white space")
			.contains("claims.mapping[1].claim: claim path 'email..x' has an empty segment");
	}

	@Test
	void removedMappingShouldFailAsThePodsRefuseIt() throws IOException {
		assertThat(check(render("claims:\n  missing: \"-\"\n"))).isFalse();
		assertThat(printed()).contains("refused: claims.mapping is not set");
	}

	@Test
	void unreadableYamlShouldFail() throws IOException {
		assertThat(check(render("claims:\n  mapping: [\n    - field: Mail\n"))).isFalse();
		assertThat(printed()).contains("refused: application.yaml cannot be read");
	}

	@Test
	void missingConfigMapShouldFail() throws IOException {
		Path rendered = Files.writeString(this.directory.resolve("rendered.yaml"), OTHER_OBJECTS);
		assertThat(check(rendered)).isFalse();
		assertThat(printed()).endsWith("ConfigMap oauth2-demo refused: it is missing, or has no application.yaml key");
	}

	private boolean check(Path rendered) {
		return ClaimSettingsCheck.check(rendered, "oauth2-demo",
				new PrintStream(this.printed, true, StandardCharsets.UTF_8));
	}

	private String printed() {
		return this.printed.toString(StandardCharsets.UTF_8).strip();
	}

	private Path render(String applicationYaml) throws IOException {
		String configMap = """
				apiVersion: v1
				kind: ConfigMap
				metadata:
				  name: oauth2-demo
				  namespace: oauth2-demo
				data:
				  application.yaml: |
				""" + applicationYaml.indent(4);
		return Files.writeString(this.directory.resolve("rendered.yaml"), OTHER_OBJECTS + "---\n" + configMap);
	}

}
