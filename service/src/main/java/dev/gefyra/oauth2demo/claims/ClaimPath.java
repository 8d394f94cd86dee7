package dev.gefyra.oauth2demo.claims;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a value sits in a token's claims: {@code email} is a top-level claim,
 * {@code realm_access.roles} walks into the nested object {@code realm_access}.
 *
 * @param segments the claim names to walk, outermost first
 */
public record ClaimPath(List<String> segments) {

	public ClaimPath {
		segments = List.copyOf(segments);
	}

	/**
	 * Parses a dotted path.
	 * @param path the path as written in the mapping
	 * @return the path
	 * @throws IllegalArgumentException if the path is blank, has an empty segment or
	 * holds whitespace or control characters
	 */
	public static ClaimPath parse(String path) {
		if (path.isBlank()) {
			throw new IllegalArgumentException("claim path is empty");
		}
		if (path.chars().anyMatch((c) -> Character.isWhitespace(c) || Character.isISOControl(c))) {
			throw new IllegalArgumentException("claim path '" + path + "' contains whitespace or control characters");
		}
		List<String> segments = Arrays.asList(path.split("\\.", -1));
		if (segments.contains("")) {
			throw new IllegalArgumentException("claim path '" + path + "' has an empty segment");
		}
		return new ClaimPath(segments);
	}

	/**
	 * Looks the path up in a claim set.
	 * @param claims the token's claims
	 * @return the value, or empty when a segment is absent, null, or not an object to
	 * walk into
	 */
	public Optional<Object> resolve(Map<String, ?> claims) {
		Object current = claims;
		for (String segment : this.segments) {
			if (!(current instanceof Map<?, ?> object)) {
				return Optional.empty();
			}
			current = object.get(segment);
			if (current == null) {
				return Optional.empty();
			}
		}
		return Optional.of(current);
	}

	@Override
	public String toString() {
		return String.join(".", this.segments);
	}

}
