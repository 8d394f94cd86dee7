package dev.gefyra.oauth2demo.web;

import java.util.Map;
import java.util.Optional;

import dev.gefyra.oauth2demo.claims.AccessRules;
import dev.gefyra.oauth2demo.reload.ActiveClaimMapping;
import dev.gefyra.oauth2demo.reload.ClaimMappingSnapshot;
import dev.gefyra.oauth2demo.token.AccessTokenReader;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Applies {@code claims.access} before a route: the first rule whose path matches
 * decides. A request it covers needs a verified access token (401 without one) that meets
 * the rule (403 naming what the rule asks, nothing from the token); a request no rule
 * covers goes on as without rules. The snapshot read here is the one the route answers
 * with, so the rules and the fields of one reload always go together.
 */
final class AccessRuleFilter implements HandlerFilterFunction<ServerResponse, ServerResponse> {

	/** The request attribute holding the snapshot the request is served with. */
	static final String SNAPSHOT = AccessRuleFilter.class.getName() + ".snapshot";

	private final ActiveClaimMapping activeMapping;

	private final AccessTokenReader tokens;

	AccessRuleFilter(ActiveClaimMapping activeMapping, AccessTokenReader tokens) {
		this.activeMapping = activeMapping;
		this.tokens = tokens;
	}

	@Override
	public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
		ClaimMappingSnapshot snapshot = this.activeMapping.snapshot();
		request.attributes().put(SNAPSHOT, snapshot);
		AccessRules.Rule rule = snapshot.mapping().access().ruleFor(request.requestPath().pathWithinApplication());
		if (rule == null) {
			return next.handle(request);
		}
		return this.tokens.claims(request)
			.map(Optional::of)
			.defaultIfEmpty(Optional.empty())
			.flatMap((claims) -> decide(rule, claims, request, next));
	}

	private static Mono<ServerResponse> decide(AccessRules.Rule rule, Optional<Map<String, Object>> claims,
			ServerRequest request, HandlerFunction<ServerResponse> next) {
		if (claims.isEmpty()) {
			return Problems.tokenRequired(rule.describe());
		}
		return rule.admits(claims.get()) ? next.handle(request) : Problems.forbidden(rule.describe());
	}

	/**
	 * The snapshot this request is served with.
	 * @param request the request
	 * @param activeMapping where to read it when no filter did
	 * @return the snapshot
	 */
	static ClaimMappingSnapshot snapshotOf(ServerRequest request, ActiveClaimMapping activeMapping) {
		return request.attribute(SNAPSHOT).map(ClaimMappingSnapshot.class::cast).orElseGet(activeMapping::snapshot);
	}

}
