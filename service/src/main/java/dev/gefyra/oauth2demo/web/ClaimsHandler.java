package dev.gefyra.oauth2demo.web;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.gefyra.oauth2demo.claims.ClaimMapping;
import dev.gefyra.oauth2demo.reload.ActiveClaimMapping;
import dev.gefyra.oauth2demo.token.AccessTokenReader;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The routes: a greeting, an item answered with mapped claims, and the token itself.
 */
@Component
public class ClaimsHandler {

	private static final Map<String, String> GREETING = Map.of("Hello", "World");

	private final AccessTokenReader tokens;

	private final ActiveClaimMapping activeMapping;

	public ClaimsHandler(AccessTokenReader tokens, ActiveClaimMapping activeMapping) {
		this.tokens = tokens;
		this.activeMapping = activeMapping;
	}

	public Mono<ServerResponse> hello(ServerRequest request) {
		return ServerResponse.ok().bodyValue(GREETING);
	}

	/**
	 * {@code {"item_id": 123, "<field>": <claim>, ...}}; the mapping is read once, so a
	 * reload never splits an answer.
	 */
	public Mono<ServerResponse> item(ServerRequest request) {
		String rawId = request.pathVariable("item_id");
		Integer itemId = parseItemId(rawId);
		if (itemId == null) {
			return Problems.badRequest("Invalid item_id", "item_id must be an integer between " + Integer.MIN_VALUE
					+ " and " + Integer.MAX_VALUE + ", got '" + Problems.abbreviate(rawId) + "'");
		}
		ClaimMapping mapping = AccessRuleFilter.snapshotOf(request, this.activeMapping).mapping();
		return this.tokens.claims(request)
			.map(mapping::apply)
			.switchIfEmpty(Mono.fromSupplier(() -> mapping.apply(null)))
			.flatMap((mapped) -> {
				Map<String, Object> body = new LinkedHashMap<>();
				body.put("item_id", itemId);
				body.putAll(mapped);
				return ServerResponse.ok().bodyValue(body);
			});
	}

	/**
	 * {@code {"Token": {all claims}, "mapped": {mapped fields}}}; without a token, Token
	 * is the missing value.
	 */
	public Mono<ServerResponse> me(ServerRequest request) {
		ClaimMapping mapping = AccessRuleFilter.snapshotOf(request, this.activeMapping).mapping();
		return this.tokens.claims(request)
			.map((claims) -> body(claims, mapping.apply(claims)))
			.switchIfEmpty(Mono.fromSupplier(() -> body(mapping.missing(), mapping.apply(null))))
			.flatMap((body) -> ServerResponse.ok().bodyValue(body));
	}

	private static Map<String, Object> body(Object token, Map<String, Object> mapped) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("Token", token);
		body.put("mapped", mapped);
		return body;
	}

	private static @Nullable Integer parseItemId(String raw) {
		try {
			return Integer.valueOf(raw);
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

}
