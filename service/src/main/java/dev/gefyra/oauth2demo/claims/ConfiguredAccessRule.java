package dev.gefyra.oauth2demo.claims;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * One entry of {@code claims.access} as written in configuration: which requests it
 * covers and what their token must hold. Nullable because this is what was bound, before
 * validation.
 *
 * @param path the requests it covers, a Spring {@code PathPattern} such as
 * {@code /items/**}
 * @param require what the token must hold; left out, any verified token passes
 */
public record ConfiguredAccessRule(@Nullable String path, @Nullable Requirement require) {

	/**
	 * What a token must hold: one of the groups listed, one of the realm roles listed,
	 * and for each client listed one of its roles. A kind left out asks nothing.
	 *
	 * @param groups group names, as Keycloak's group mapper writes them into
	 * {@code groups}
	 * @param roles realm roles, read from {@code realm_access.roles}
	 * @param clientRoles roles by client id, read from
	 * {@code resource_access.<client>.roles}
	 */
	public record Requirement(@Nullable List<String> groups, @Nullable List<String> roles,
			@Nullable Map<String, List<String>> clientRoles) {

	}

}
