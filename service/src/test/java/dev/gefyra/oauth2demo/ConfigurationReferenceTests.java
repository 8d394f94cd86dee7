package dev.gefyra.oauth2demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The property table of {@code docs/configuration.md} against the configuration metadata
 * the build generates from {@code TokenProperties} and {@code ClaimsProperties}: the
 * defaults are written once, in those records, and the reference may neither miss a
 * property, name one that does not exist, nor show another default.
 */
class ConfigurationReferenceTests {

	private static final Path METADATA = Path.of("target/classes/META-INF/spring-configuration-metadata.json");

	private static final Path REFERENCE = Path.of("../docs/configuration.md");

	private static final List<String> PREFIXES = List.of("token.", "claims.");

	private static final Pattern NAME = Pattern.compile("`([a-z-]+(?:\\.[a-z-]+)+)(?:\\[i\\][^`]*)?`");

	private static Map<String, JsonNode> generated;

	private static Map<String, String> documentedDefaults;

	@BeforeAll
	static void read() throws IOException {
		JsonNode metadata = JsonMapper.shared().readTree(METADATA.toFile());
		generated = StreamSupport.stream(metadata.path("properties").spliterator(), false)
			.filter((property) -> ours(property.path("name").asString()))
			.collect(Collectors.toMap((property) -> property.path("name").asString(), (property) -> property,
					(first, second) -> first, LinkedHashMap::new));
		documentedDefaults = new LinkedHashMap<>();
		for (String line : Files.readAllLines(REFERENCE)) {
			String[] cells = line.split("\\|");
			if (cells.length < 4 || !line.startsWith("| `")) {
				continue;
			}
			Matcher names = NAME.matcher(cells[1]);
			while (names.find()) {
				if (ours(names.group(1))) {
					documentedDefaults.put(names.group(1), cells[2].strip());
				}
			}
		}
	}

	@Test
	void metadataShouldHaveBeenGeneratedForBothPrefixes() {
		assertThat(generated.keySet()).contains("token.issuer", "token.jwks-ttl", "claims.mapping", "claims.missing");
	}

	@Test
	void everyPropertyShouldBeDocumentedAndNothingElse() {
		assertThat(documentedDefaults.keySet()).containsExactlyInAnyOrderElementsOf(generated.keySet());
	}

	@Test
	void documentedDefaultsShouldBeTheGeneratedOnes() {
		generated.forEach((name, property) -> {
			JsonNode defaultValue = property.path("defaultValue");
			String documented = documentedDefaults.get(name);
			if (defaultValue.isMissingNode()) {
				assertThat(documented).as("%s has no default: its row names none", name).doesNotStartWith("`");
			}
			else {
				assertThat(documented).as("the default of %s", name).isEqualTo("`" + written(defaultValue) + "`");
			}
		});
	}

	private static String written(JsonNode defaultValue) {
		if (defaultValue.isArray()) {
			return StreamSupport.stream(defaultValue.spliterator(), false)
				.map(JsonNode::asString)
				.collect(Collectors.joining(", "));
		}
		return defaultValue.asString();
	}

	private static boolean ours(String name) {
		return PREFIXES.stream().anyMatch(name::startsWith);
	}

}
