package dev.gefyra.oauth2demo.claims;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ClaimMappingTests {

	private static final Map<String, Object> CLAIMS = Map.of("email", "john@gefyra.dev", "preferred_username", "john",
			"realm_access", Map.of("roles", List.of("demo-user")));

	@Test
	void applyShouldAnswerFieldsInMappingOrder() {
		ClaimMapping mapping = ClaimMapping.of(settings("not given", "username", "preferred_username", "Email", "email",
				"roles", "realm_access.roles"));
		assertThat(mapping.apply(CLAIMS)).containsExactly(Map.entry("username", "john"),
				Map.entry("Email", "john@gefyra.dev"), Map.entry("roles", List.of("demo-user")));
	}

	@Test
	void applyWhenClaimMissingShouldGiveMissingValue() {
		ClaimMapping mapping = ClaimMapping.of(settings("n/a", "Email", "Email"));
		assertThat(mapping.apply(CLAIMS)).containsExactly(Map.entry("Email", "n/a"));
	}

	@Test
	void applyWhenNoTokenShouldGiveMissingValueForEveryField() {
		ClaimMapping mapping = ClaimMapping.of(settings(null, "Email", "email", "user", "preferred_username"));
		assertThat(mapping.apply(null)).containsExactly(Map.entry("Email", "not given"),
				Map.entry("user", "not given"));
	}

	@Test
	void emptyMappingShouldBeRefused() {
		assertThatExceptionOfType(InvalidClaimMappingException.class)
			.isThrownBy(() -> ClaimMapping.of(new ClaimsProperties(List.of(), null, null)))
			.withMessageContaining("lists no field");
		assertThatExceptionOfType(InvalidClaimMappingException.class)
			.isThrownBy(() -> ClaimMapping.of(new ClaimsProperties(null, null, null)))
			.withMessageContaining("lists no field");
	}

	@Test
	void everyProblemShouldBeNamed() {
		ClaimsProperties settings = new ClaimsProperties(
				Arrays.asList(new ConfiguredField("Email", "email"), new ConfiguredField("", "x"),
						new ConfiguredField("Email", "y"), new ConfiguredField("a", "realm_access..roles"),
						new ConfiguredField("b", null), new ConfiguredField("item_id", "sub"), null),
				null, null);
		assertThatExceptionOfType(InvalidClaimMappingException.class).isThrownBy(() -> ClaimMapping.of(settings))
			.withMessageContaining("claims.mapping[1].field is empty")
			.withMessageContaining("claims.mapping[2].field 'Email' appears twice")
			.withMessageContaining("claims.mapping[3].claim: claim path 'realm_access..roles' has an empty segment")
			.withMessageContaining("claims.mapping[4].claim is empty")
			.withMessageContaining("claims.mapping[5].field 'item_id' is reserved")
			.withMessageContaining("claims.mapping[6].field is empty");
	}

	@ParameterizedTest
	@ValueSource(strings = { "item_id ", " item_id", "item_id\t", "\nEmail", "Email\u00a0" })
	void fieldStartingOrEndingWithWhiteSpaceShouldBeRefused(String field) {
		assertThatExceptionOfType(InvalidClaimMappingException.class)
			.isThrownBy(() -> ClaimMapping.of(settings(null, field, "sub")))
			.withMessageStartingWith("claims.mapping[0].field '" + field + "' starts or ends with white space");
	}

	@Test
	void reservedFieldWithATrailingSpaceShouldBeRefusedNamingTheFix() {
		assertThatExceptionOfType(InvalidClaimMappingException.class)
			.isThrownBy(() -> ClaimMapping.of(settings(null, "Email", "email", "item_id ", "sub")))
			.withMessage("claims.mapping[1].field 'item_id ' starts or ends with white space; write it as 'item_id'");
	}

	@Test
	void fieldWithWhiteSpaceInsideShouldBeAccepted() {
		assertThat(ClaimMapping.of(settings(null, "e mail", "email")).apply(CLAIMS))
			.containsExactly(Map.entry("e mail", "john@gefyra.dev"));
	}

	@Test
	void equalSettingsShouldGiveEqualMappings() {
		assertThat(ClaimMapping.of(settings(null, "Email", "email"))).isEqualTo(ClaimMapping.DEFAULT);
		assertThat(ClaimMapping.of(settings(null, "Mail", "email"))).isNotEqualTo(ClaimMapping.DEFAULT);
	}

	/** Settings from pairs of field, claim. */
	static ClaimsProperties settings(String missing, String... fieldsAndClaims) {
		ConfiguredField[] entries = new ConfiguredField[fieldsAndClaims.length / 2];
		for (int i = 0; i < entries.length; i++) {
			entries[i] = new ConfiguredField(fieldsAndClaims[2 * i], fieldsAndClaims[2 * i + 1]);
		}
		return new ClaimsProperties(List.of(entries), missing, null);
	}

}
