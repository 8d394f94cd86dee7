package dev.gefyra.oauth2demo.claims;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The {@code claims.*} settings as bound from the environment, before validation. The
 * mapping is a list, not a map: a list from a higher-precedence source (the ConfigMap)
 * replaces a lower one as a whole and keeps its order, where map keys would merge across
 * sources.
 *
 * @param mapping the ordered list of response field &larr; claim path entries
 * @param missing the value given to a field whose claim (or the whole token) is absent
 */
public record ClaimsProperties(@Nullable List<ConfiguredField> mapping, @Nullable String missing) {

	/** The prefix these settings are bound from. */
	public static final String PREFIX = "claims";

}
