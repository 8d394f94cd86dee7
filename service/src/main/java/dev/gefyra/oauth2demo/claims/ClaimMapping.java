package dev.gefyra.oauth2demo.claims;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * A validated, immutable claim mapping: which claim fills which response field, in which
 * order, what a missing claim reads as, and who may call what. Requests hold one instance
 * for their whole life, so a reload never shows them a mix of two mappings, nor the rules
 * of one with the fields of another.
 *
 * @param fields the mapped fields, in response order
 * @param missing the value of a field whose claim, or whole token, is absent
 * @param access the access rules validated with the fields
 */
public record ClaimMapping(List<ValidatedField> fields, String missing, AccessRules access) {

	/** Field names the routes write themselves, so a mapping may not claim them. */
	static final Set<String> RESERVED_FIELDS = Set.of("item_id");

	/**
	 * The mapping used when configuration supplies none that is valid: {@code Email} from
	 * claim {@code email}.
	 */
	public static final ClaimMapping DEFAULT = new ClaimMapping(
			List.of(new ValidatedField("Email", ClaimPath.parse("email"))), ClaimsProperties.DEFAULT_MISSING,
			AccessRules.NONE);

	public ClaimMapping {
		fields = List.copyOf(fields);
	}

	/**
	 * Validates bound settings and turns them into a mapping.
	 * @param properties the settings as bound
	 * @return the mapping
	 * @throws InvalidClaimMappingException naming every problem, when the settings are
	 * not valid
	 */
	public static ClaimMapping of(ClaimsProperties properties) {
		List<String> problems = new ArrayList<>();
		List<ValidatedField> fields = new ArrayList<>();
		List<ConfiguredField> entries = (properties.mapping() != null) ? properties.mapping() : List.of();
		if (entries.isEmpty()) {
			problems.add("claims.mapping lists no field");
		}
		Set<String> seen = new HashSet<>();
		for (int i = 0; i < entries.size(); i++) {
			ConfiguredField entry = entries.get(i);
			String where = "claims.mapping[" + i + "]";
			String field = (entry != null) ? entry.field() : null;
			String claim = (entry != null) ? entry.claim() : null;
			if (field == null || field.isBlank()) {
				problems.add(where + ".field is empty");
			}
			else if (hasSurroundingSpace(field)) {
				// "item_id " would pass as a field of its own beside the reserved one.
				problems.add(where + ".field '" + field + "' starts or ends with white space; write it as '"
						+ withoutSurroundingSpace(field) + "'");
			}
			else if (RESERVED_FIELDS.contains(field)) {
				problems.add(where + ".field '" + field + "' is reserved");
			}
			else if (!seen.add(field)) {
				problems.add(where + ".field '" + field + "' appears twice");
			}
			ClaimPath path = null;
			if (claim == null) {
				problems.add(where + ".claim is empty");
			}
			else {
				try {
					path = ClaimPath.parse(claim);
				}
				catch (IllegalArgumentException ex) {
					problems.add(where + ".claim: " + ex.getMessage());
				}
			}
			if (field != null && path != null) {
				fields.add(new ValidatedField(field, path));
			}
		}
		String missing = (properties.missing() != null) ? properties.missing() : DEFAULT.missing();
		AccessRules access = AccessRules.of(properties.access(), problems);
		if (!problems.isEmpty()) {
			throw new InvalidClaimMappingException(String.join("; ", problems));
		}
		return new ClaimMapping(fields, missing, access);
	}

	private static boolean hasSurroundingSpace(String field) {
		return isSpace(field.charAt(0)) || isSpace(field.charAt(field.length() - 1));
	}

	private static String withoutSurroundingSpace(String field) {
		int start = 0;
		int end = field.length();
		while (start < end && isSpace(field.charAt(start))) {
			start++;
		}
		while (end > start && isSpace(field.charAt(end - 1))) {
			end--;
		}
		return field.substring(start, end);
	}

	/**
	 * Java's white space and Unicode's space separators, the no-break space among them.
	 */
	private static boolean isSpace(char c) {
		return Character.isWhitespace(c) || Character.isSpaceChar(c);
	}

	/**
	 * Reads every mapped field from a token's claims.
	 * @param claims the claims, or {@code null} when the request carried no token
	 * @return field name to value, in mapping order; absent claims read as
	 * {@link #missing()}
	 */
	public Map<String, Object> apply(@Nullable Map<String, ?> claims) {
		Map<String, Object> values = new LinkedHashMap<>();
		for (ValidatedField field : this.fields) {
			Object value = (claims != null) ? field.claim().resolve(claims).orElse(null) : null;
			values.put(field.name(), (value != null) ? value : this.missing);
		}
		return values;
	}

	/**
	 * One validated entry.
	 *
	 * @param name the response field
	 * @param claim where its value comes from
	 */
	public record ValidatedField(String name, ClaimPath claim) {

		@Override
		public String toString() {
			return this.name + " <- " + this.claim;
		}

	}

}
