package dev.gefyra.oauth2demo.web;

import dev.gefyra.oauth2demo.reload.ActiveClaimMapping;
import dev.gefyra.oauth2demo.token.AccessTokenReader;
import dev.gefyra.oauth2demo.token.InvalidAccessTokenException;
import dev.gefyra.oauth2demo.token.TokenVerificationUnavailableException;

import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.springframework.web.reactive.function.server.RequestPredicates.all;
import static org.springframework.web.reactive.function.server.RequestPredicates.method;
import static org.springframework.web.reactive.function.server.RequestPredicates.path;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/**
 * Maps the service's routes to {@link ClaimsHandler}, behind the access rules of
 * {@code claims.access}, and token failures to problem responses.
 */
@Configuration(proxyBeanMethods = false)
public class ClaimsRoutes {

	@Bean
	public RouterFunction<ServerResponse> claimsRouter(ClaimsHandler handler, ActiveClaimMapping activeMapping,
			AccessTokenReader tokens, ApplicationContext context) {
		// The access rules filter the routes themselves: the builder applies its error
		// handlers inside every filter of its own, so a token the rules check and
		// verification refuses would escape them as a 500 instead of a 401.
		RouterFunction<ServerResponse> guarded = route()
			.nest(servedBy(context),
					(routes) -> routes.route(read("/"), handler::hello)
						.route(read("/items/{item_id}"), handler::item)
						.route(read("/me"), handler::me)
						.route(path("/").or(path("/items/{item_id}")).or(path("/me")),
								(request) -> Problems.methodNotAllowed(request.method()))
						.route(all(), (request) -> Problems.notFound(request.path())))
			.filter(new AccessRuleFilter(activeMapping, tokens))
			.build();
		return route().add(guarded)
			.filter(new OwnEventLoop())
			.onError(InvalidAccessTokenException.class, (ex, request) -> Problems.invalidToken(ex.getMessage()))
			.onError(TokenVerificationUnavailableException.class,
					(ex, request) -> Problems.unavailable("Token verification unavailable",
							"The issuer's signing keys could not be fetched; try again shortly"))
			.build();
	}

	/**
	 * GET, and HEAD with the same headers (WebFlux drops the body), as HTTP expects of a
	 * resource.
	 */
	private static RequestPredicate read(String pattern) {
		return path(pattern).and(method(HttpMethod.GET).or(method(HttpMethod.HEAD)));
	}

	/**
	 * The actuator's child context on the management port also picks up router functions
	 * of this context: keep business routes off that port.
	 */
	private static RequestPredicate servedBy(ApplicationContext context) {
		return (request) -> request.exchange().getApplicationContext() == context;
	}

}
