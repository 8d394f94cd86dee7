package dev.gefyra.oauth2demo.claims;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ClaimPathTests {

	private static final Map<String, Object> CLAIMS = Map.of("email", "john@gefyra.dev", "realm_access",
			Map.of("roles", List.of("a", "b")), "count", 3, "verified", true);

	@Test
	void topLevelPathShouldReadClaim() {
		assertThat(ClaimPath.parse("email").resolve(CLAIMS)).contains("john@gefyra.dev");
	}

	@Test
	void dottedPathShouldWalkIntoNestedObject() {
		assertThat(ClaimPath.parse("realm_access.roles").resolve(CLAIMS)).contains(List.of("a", "b"));
	}

	@Test
	void valuesShouldKeepTheirJsonType() {
		assertThat(ClaimPath.parse("count").resolve(CLAIMS)).contains(3);
		assertThat(ClaimPath.parse("verified").resolve(CLAIMS)).contains(true);
		assertThat(ClaimPath.parse("realm_access").resolve(CLAIMS)).contains(Map.of("roles", List.of("a", "b")));
	}

	@Test
	void pathShouldBeCaseSensitive() {
		assertThat(ClaimPath.parse("Email").resolve(CLAIMS)).isEmpty();
	}

	@Test
	void pathThroughNonObjectShouldBeEmpty() {
		assertThat(ClaimPath.parse("email.domain").resolve(CLAIMS)).isEmpty();
		assertThat(ClaimPath.parse("realm_access.roles.first").resolve(CLAIMS)).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", ".email", "email.", "realm_access..roles", "e mail", "email\t", "a\u0000b" })
	void malformedPathShouldBeRefused(String path) {
		assertThatIllegalArgumentException().isThrownBy(() -> ClaimPath.parse(path));
	}

	@Test
	void toStringShouldGiveThePathAsWritten() {
		assertThat(ClaimPath.parse("realm_access.roles")).hasToString("realm_access.roles");
	}

}
