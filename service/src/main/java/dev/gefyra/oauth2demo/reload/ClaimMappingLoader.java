package dev.gefyra.oauth2demo.reload;

import java.util.List;
import java.util.stream.StreamSupport;

import dev.gefyra.oauth2demo.claims.ClaimMapping;
import dev.gefyra.oauth2demo.claims.ClaimsProperties;
import dev.gefyra.oauth2demo.claims.InvalidClaimMappingException;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;

/**
 * Reads the {@code claims.*} section of an environment into a validated
 * {@link ClaimMapping}. It binds afresh from whatever the environment holds now, so it
 * sees a refreshed ConfigMap at once.
 */
public final class ClaimMappingLoader {

	private static final ConfigurationPropertyName MAPPING = ConfigurationPropertyName.of("claims.mapping");

	private ClaimMappingLoader() {
	}

	/**
	 * Binds the raw settings.
	 * @param environment the environment to read
	 * @return the settings as written, not yet validated
	 * @throws InvalidClaimMappingException if the settings do not have the expected shape
	 */
	public static ClaimsProperties bind(Environment environment) {
		rejectMapShapedMapping(environment);
		try {
			return Binder.get(environment)
				.bind(ClaimsProperties.PREFIX, Bindable.of(ClaimsProperties.class))
				.orElseGet(() -> new ClaimsProperties(null, null, null));
		}
		catch (BindException ex) {
			Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
			throw new InvalidClaimMappingException("cannot bind '" + ex.getName() + "': " + cause.getMessage(), ex);
		}
	}

	/**
	 * Whether any source sets {@code claims.mapping}, even to something invalid.
	 * @param environment the environment to read
	 * @return {@code false} when no source mentions it
	 */
	public static boolean isMappingSet(Environment environment) {
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (source.getConfigurationProperty(MAPPING) != null
					|| source.containsDescendantOf(MAPPING) == ConfigurationPropertyState.PRESENT) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Binds and validates.
	 * @param environment the environment to read
	 * @return the mapping
	 * @throws InvalidClaimMappingException if the settings are malformed or invalid
	 */
	public static ClaimMapping load(Environment environment) {
		return ClaimMapping.of(bind(environment));
	}

	/**
	 * A list bound from indexed keys ignores keys like {@code claims.mapping.Email}:
	 * without this check, a ConfigMap written in the old map style would be skipped
	 * silently and the jar's default served.
	 */
	private static void rejectMapShapedMapping(Environment environment) {
		for (var source : ConfigurationPropertySources.get(environment)) {
			if (!(source instanceof IterableConfigurationPropertySource iterable)) {
				continue;
			}
			List<String> mapKeys = StreamSupport.stream(iterable.spliterator(), false)
				.filter((name) -> MAPPING.isAncestorOf(name) && !name.isNumericIndex(MAPPING.getNumberOfElements()))
				.map(ConfigurationPropertyName::toString)
				.toList();
			if (!mapKeys.isEmpty()) {
				throw new InvalidClaimMappingException(
						"claims.mapping must be a list of {field, claim} entries, found keys " + mapKeys + " in "
								+ source.getUnderlyingSource());
			}
		}
	}

}
