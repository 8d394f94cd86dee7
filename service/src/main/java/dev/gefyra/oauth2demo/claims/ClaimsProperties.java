package dev.gefyra.oauth2demo.claims;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code claims.*} settings as bound from the environment, before validation. The
 * mapping is a list, not a map: a list from a higher-precedence source (the ConfigMap)
 * replaces a lower one as a whole and keeps its order, where map keys would merge across
 * sources.
 * <p>
 * Annotated for its configuration metadata only: {@code ClaimMappingLoader} binds it on
 * every refresh, never as a bean, so a bad mapping is refused while the last good one is
 * served instead of stopping the service.
 *
 * @param mapping the ordered list of response field &larr; claim path entries
 * @param missing the value given to a field whose claim (or the whole token) is absent
 * @param access who may call what: ordered rules, the first whose path matches a request
 * decides it; none, and every route answers as without rules
 */
@ConfigurationProperties(ClaimsProperties.PREFIX)
public record ClaimsProperties(@Nullable List<ConfiguredField> mapping,
		@DefaultValue(ClaimsProperties.DEFAULT_MISSING) @Nullable String missing,
		@Nullable List<ConfiguredAccessRule> access) {

	/** The prefix these settings are bound from. */
	public static final String PREFIX = "claims";

	/**
	 * The value of a field whose claim is absent, unless {@code claims.missing} says
	 * otherwise.
	 */
	public static final String DEFAULT_MISSING = "not given";

}
