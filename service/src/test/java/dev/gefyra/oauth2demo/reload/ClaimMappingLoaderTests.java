package dev.gefyra.oauth2demo.reload;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.gefyra.oauth2demo.claims.ClaimMapping;
import dev.gefyra.oauth2demo.claims.InvalidClaimMappingException;
import org.junit.jupiter.api.Test;

import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ClaimMappingLoaderTests {

	@Test
	void listFromHigherSourceShouldReplaceLowerListWhole() {
		StandardEnvironment environment = environment(
				Map.of("claims.mapping[0].field", "Mail", "claims.mapping[0].claim", "email"),
				Map.of("claims.mapping[0].field", "Email", "claims.mapping[0].claim", "email",
						"claims.mapping[1].field", "user", "claims.mapping[1].claim", "preferred_username"));
		ClaimMapping mapping = ClaimMappingLoader.load(environment);
		assertThat(mapping.fields()).extracting(ClaimMapping.ValidatedField::name).containsExactly("Mail");
	}

	@Test
	void fieldsShouldKeepTheOrderWritten() {
		Map<String, Object> configMap = new LinkedHashMap<>();
		configMap.put("claims.mapping[0].field", "Zeta");
		configMap.put("claims.mapping[0].claim", "z");
		configMap.put("claims.mapping[1].field", "Alpha");
		configMap.put("claims.mapping[1].claim", "a");
		configMap.put("claims.mapping[2].field", "Mail");
		configMap.put("claims.mapping[2].claim", "email");
		ClaimMapping mapping = ClaimMappingLoader.load(environment(configMap, Map.of()));
		assertThat(mapping.fields()).extracting(ClaimMapping.ValidatedField::name)
			.containsExactly("Zeta", "Alpha", "Mail");
	}

	@Test
	void missingValueShouldComeFromAnySource() {
		StandardEnvironment environment = environment(Map.of("claims.missing", "-"),
				Map.of("claims.mapping[0].field", "Email", "claims.mapping[0].claim", "email"));
		assertThat(ClaimMappingLoader.load(environment).missing()).isEqualTo("-");
	}

	@Test
	void mapShapedMappingShouldBeRefusedNotSilentlyIgnored() {
		StandardEnvironment environment = environment(Map.of("claims.mapping.Email", "email"),
				Map.of("claims.mapping[0].field", "Email", "claims.mapping[0].claim", "email"));
		assertThatExceptionOfType(InvalidClaimMappingException.class)
			.isThrownBy(() -> ClaimMappingLoader.load(environment))
			.withMessageContaining("must be a list");
	}

	@Test
	void entriesWrittenAsStringsShouldBeRefusedWithTheKeyNamed() {
		StandardEnvironment environment = environment(Map.of("claims.mapping[0]", "Mail", "claims.mapping[1]", "email"),
				Map.of());
		assertThatExceptionOfType(InvalidClaimMappingException.class)
			.isThrownBy(() -> ClaimMappingLoader.load(environment))
			.withMessageStartingWith("cannot bind 'claims.mapping[0]'");
	}

	@Test
	void scalarMappingShouldBeRefused() {
		StandardEnvironment environment = environment(Map.of("claims.mapping", "email"), Map.of());
		assertThatExceptionOfType(InvalidClaimMappingException.class)
			.isThrownBy(() -> ClaimMappingLoader.load(environment))
			.withMessageContaining("cannot bind 'claims.mapping'");
	}

	@Test
	void emptyListShouldBeRefused() {
		StandardEnvironment environment = environment(Map.of("claims.mapping", ""),
				Map.of("claims.mapping[0].field", "Email", "claims.mapping[0].claim", "email"));
		assertThatExceptionOfType(InvalidClaimMappingException.class)
			.isThrownBy(() -> ClaimMappingLoader.load(environment))
			.withMessageContaining("lists no field");
	}

	/** An environment with a ConfigMap-like source above the jar's defaults. */
	static StandardEnvironment environment(Map<String, Object> configMap, Map<String, Object> defaults) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addLast(new MapPropertySource("configmap", configMap));
		environment.getPropertySources().addLast(new MapPropertySource("application.yaml", defaults));
		return environment;
	}

}
