package dev.gefyra.oauth2demo.claims;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

/**
 * Who may call what: ordered rules, the first whose path matches a request decides it. A
 * request no rule matches is answered as without rules.
 *
 * @param rules the validated rules, in configuration order
 */
public record AccessRules(List<Rule> rules) {

	/** No rule: every route behaves as without access rules. */
	public static final AccessRules NONE = new AccessRules(List.of());

	private static final ClaimPath GROUPS = ClaimPath.parse("groups");

	private static final ClaimPath REALM_ROLES = ClaimPath.parse("realm_access.roles");

	public AccessRules {
		rules = List.copyOf(rules);
	}

	/**
	 * The rule that decides a request.
	 * @param path the request's path
	 * @return the first rule whose pattern matches, or {@code null}
	 */
	public @Nullable Rule ruleFor(PathContainer path) {
		for (Rule rule : this.rules) {
			if (rule.pattern().matches(path)) {
				return rule;
			}
		}
		return null;
	}

	/**
	 * Validates configured rules; every problem is added to {@code problems}.
	 * @param configured the rules as bound, or {@code null} when none are set
	 * @param problems where problems are collected, each naming its entry
	 * @return the rules, meaningful only when no problem was added
	 */
	static AccessRules of(@Nullable List<ConfiguredAccessRule> configured, List<String> problems) {
		if (configured == null) {
			return NONE;
		}
		List<Rule> rules = new ArrayList<>();
		Set<String> seen = new HashSet<>();
		for (int i = 0; i < configured.size(); i++) {
			String where = "claims.access[" + i + "]";
			ConfiguredAccessRule entry = configured.get(i);
			String path = (entry != null) ? entry.path() : null;
			PathPattern pattern = null;
			if (path == null || path.isBlank()) {
				problems.add(where + ".path is empty");
			}
			else if (!path.startsWith("/")) {
				problems.add(where + ".path '" + path + "' must start with '/'");
			}
			else if (!seen.add(path)) {
				problems
					.add(where + ".path '" + path + "' appears twice: the first rule decides, the second never would");
			}
			else {
				try {
					pattern = PathPatternParser.defaultInstance.parse(path);
				}
				catch (PatternParseException ex) {
					problems.add(where + ".path '" + path + "' is not a path pattern: " + ex.getMessage());
				}
			}
			Requirement requirement = (entry != null && entry.require() != null)
					? Requirement.of(entry.require(), where + ".require", problems) : null;
			if (pattern != null) {
				rules.add(new Rule(i, pattern, requirement));
			}
		}
		return new AccessRules(rules);
	}

	/**
	 * One validated rule.
	 *
	 * @param index its place in {@code claims.access}
	 * @param pattern the requests it covers
	 * @param requirement what the token must hold, or {@code null}: any verified token
	 */
	public record Rule(int index, PathPattern pattern, @Nullable Requirement requirement) {

		/**
		 * Whether a verified token's claims meet the rule.
		 * @param claims the token's claims
		 * @return whether the request may go on
		 */
		public boolean admits(Map<String, ?> claims) {
			return this.requirement == null || this.requirement.isMetBy(claims);
		}

		/**
		 * The rule in words, for the answer to a refused request: what it asks, never
		 * what the token held.
		 * @return the description
		 */
		public String describe() {
			String asks = (this.requirement != null) ? this.requirement.describe() : "a verified access token";
			return "claims.access[" + this.index + "] (" + this.pattern.getPatternString() + ") requires " + asks;
		}

	}

	/**
	 * What a token must hold: one of the groups, one of the realm roles, and for each
	 * client one of its roles; an empty kind asks nothing.
	 *
	 * @param groups group names in {@code groups}
	 * @param roles realm roles in {@code realm_access.roles}
	 * @param clientRoles roles by client id in {@code resource_access.<client>.roles}
	 */
	public record Requirement(List<String> groups, List<String> roles, Map<String, List<String>> clientRoles) {

		public Requirement {
			groups = List.copyOf(groups);
			roles = List.copyOf(roles);
			clientRoles = Map.copyOf(clientRoles);
		}

		static @Nullable Requirement of(ConfiguredAccessRule.Requirement configured, String where,
				List<String> problems) {
			List<String> groups = names(configured.groups(), where + ".groups", problems);
			List<String> roles = names(configured.roles(), where + ".roles", problems);
			Map<String, List<String>> clientRoles = new LinkedHashMap<>();
			if (configured.clientRoles() != null) {
				configured.clientRoles()
					.forEach((client, names) -> clientRoles.put(client,
							names(names, where + ".client-roles." + client, problems)));
				clientRoles.forEach((client, names) -> {
					if (names.isEmpty()) {
						problems.add(where + ".client-roles." + client + " names no role");
					}
				});
			}
			if (groups.isEmpty() && roles.isEmpty() && clientRoles.isEmpty()) {
				problems.add(where + " names no group, role or client role; leave require out to admit any "
						+ "verified token");
				return null;
			}
			return new Requirement(groups, roles, clientRoles);
		}

		private static List<String> names(@Nullable List<String> names, String where, List<String> problems) {
			if (names == null) {
				return List.of();
			}
			List<String> valid = new ArrayList<>();
			for (int i = 0; i < names.size(); i++) {
				String name = names.get(i);
				if (name == null || name.isBlank()) {
					problems.add(where + "[" + i + "] is empty");
				}
				else if (!name.equals(name.strip())) {
					problems.add(where + "[" + i + "] '" + name + "' starts or ends with white space; write it as '"
							+ name.strip() + "'");
				}
				else {
					valid.add(name);
				}
			}
			return valid;
		}

		boolean isMetBy(Map<String, ?> claims) {
			return anyOf(this.groups, values(GROUPS, claims)) && anyOf(this.roles, values(REALM_ROLES, claims))
					&& this.clientRoles.entrySet()
						.stream()
						.allMatch((entry) -> anyOf(entry.getValue(), values(clientRolesPath(entry.getKey()), claims)));
		}

		String describe() {
			List<String> parts = new ArrayList<>();
			if (!this.groups.isEmpty()) {
				parts.add(oneOf("group", this.groups));
			}
			if (!this.roles.isEmpty()) {
				parts.add(oneOf("realm role", this.roles));
			}
			this.clientRoles.forEach((client, names) -> parts.add(oneOf("role of client " + client, names)));
			return String.join(" and ", parts);
		}

		private static String oneOf(String kind, List<String> names) {
			return (names.size() == 1) ? kind + " " + names.get(0)
					: "one of " + kind + " " + names.stream().collect(Collectors.joining(", "));
		}

		/** A kind that asks nothing is met; otherwise one of its names must be held. */
		private static boolean anyOf(List<String> wanted, Collection<String> held) {
			return wanted.isEmpty() || wanted.stream().anyMatch(held::contains);
		}

		/**
		 * The strings a claim holds: a list's string elements, or the string itself; any
		 * other shape holds none.
		 */
		private static Set<String> values(ClaimPath path, Map<String, ?> claims) {
			Object value = path.resolve(claims).orElse(null);
			if (value instanceof String text) {
				return Set.of(text);
			}
			if (value instanceof Collection<?> items) {
				return items.stream()
					.filter(String.class::isInstance)
					.map(String.class::cast)
					.collect(Collectors.toSet());
			}
			return Set.of();
		}

		private static ClaimPath clientRolesPath(String client) {
			return new ClaimPath(List.of("resource_access", client, "roles"));
		}

	}

}
