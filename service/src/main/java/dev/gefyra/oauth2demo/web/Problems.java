package dev.gefyra.oauth2demo.web;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * RFC 9457 {@code application/problem+json} responses for the mistakes a client can make,
 * and for a verification that cannot be done right now.
 */
final class Problems {

	private Problems() {
	}

	static Mono<ServerResponse> badRequest(String title, String detail) {
		return respond(ServerResponse.status(HttpStatus.BAD_REQUEST), HttpStatus.BAD_REQUEST, title, detail);
	}

	static Mono<ServerResponse> notFound(String path) {
		return respond(ServerResponse.status(HttpStatus.NOT_FOUND), HttpStatus.NOT_FOUND, "Not found",
				"No route for '" + abbreviate(path) + "'; try /, /items/{item_id} or /me");
	}

	static Mono<ServerResponse> methodNotAllowed(HttpMethod method) {
		return respond(ServerResponse.status(HttpStatus.METHOD_NOT_ALLOWED).allow(HttpMethod.GET, HttpMethod.HEAD),
				HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed",
				method.name() + " is not supported here; use GET or HEAD");
	}

	/** RFC 6750: a rejected bearer token is a 401 naming {@code invalid_token}. */
	static Mono<ServerResponse> invalidToken(String detail) {
		ServerResponse.BodyBuilder builder = ServerResponse.status(HttpStatus.UNAUTHORIZED)
			.header(HttpHeaders.WWW_AUTHENTICATE,
					"Bearer error=\"invalid_token\", error_description=\"" + quotable(detail) + "\"");
		return respond(builder, HttpStatus.UNAUTHORIZED, "Invalid access token", detail);
	}

	/**
	 * RFC 6750: a request without credentials where the route needs them; the challenge
	 * names no error.
	 */
	static Mono<ServerResponse> tokenRequired(String rule) {
		ServerResponse.BodyBuilder builder = ServerResponse.status(HttpStatus.UNAUTHORIZED)
			.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
		return respond(builder, HttpStatus.UNAUTHORIZED, "Access token required",
				"This route needs a verified access token: " + rule);
	}

	/**
	 * RFC 6750: a valid token without what the route asks. The detail names the rule's
	 * requirement, never what the token held.
	 */
	static Mono<ServerResponse> forbidden(String rule) {
		ServerResponse.BodyBuilder builder = ServerResponse.status(HttpStatus.FORBIDDEN)
			.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"insufficient_scope\"");
		return respond(builder, HttpStatus.FORBIDDEN, "Not allowed", "This access token is refused: " + rule);
	}

	static Mono<ServerResponse> unavailable(String title, String detail) {
		return respond(ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE), HttpStatus.SERVICE_UNAVAILABLE, title,
				detail);
	}

	private static Mono<ServerResponse> respond(ServerResponse.BodyBuilder builder, HttpStatus status, String title,
			String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(title);
		return builder.contentType(MediaType.APPLICATION_PROBLEM_JSON).bodyValue(problem);
	}

	static String abbreviate(String text) {
		return (text.length() <= 40) ? text : text.substring(0, 40) + "...";
	}

	/**
	 * A header value must stay one quoted-string: no quotes, backslashes or control
	 * characters.
	 */
	private static String quotable(String text) {
		return text.replaceAll("[\"\\\\\\p{Cntrl}]", "'").replaceAll("[^\\x20-\\x7e]", "?");
	}

}
