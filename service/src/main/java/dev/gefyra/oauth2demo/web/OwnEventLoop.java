package dev.gefyra.oauth2demo.web;

import java.util.concurrent.Executor;

import io.netty.channel.EventLoop;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;

import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Hands a route's response back to the event loop of the connection it answers. A
 * response can be ready on another thread: the one that fetched the issuer's keys for
 * every request waiting for them. Completed there, it let reactor-netty before 1.3.8 stop
 * reading a keep-alive connection whose next request, queued meanwhile, was answered at
 * once (reactor-netty #4361). A response ready on its own loop goes on at once, without a
 * hop.
 */
final class OwnEventLoop implements HandlerFilterFunction<ServerResponse, ServerResponse> {

	@Override
	public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
		EventLoop loop = eventLoopOf(request);
		Mono<ServerResponse> response = next.handle(request);
		if (loop == null) {
			return response;
		}
		Executor onLoop = (task) -> {
			if (loop.inEventLoop()) {
				task.run();
			}
			else {
				loop.execute(task);
			}
		};
		return response.publishOn(Schedulers.fromExecutor(onLoop));
	}

	/** The connection's loop when Reactor Netty serves the request; none otherwise. */
	private static @Nullable EventLoop eventLoopOf(ServerRequest request) {
		Object nativeRequest;
		try {
			nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request.exchange().getRequest());
		}
		catch (IllegalStateException ex) {
			// A request with no server behind it (WebTestClient's mock) has no
			// connection.
			return null;
		}
		return (nativeRequest instanceof Connection connection) ? connection.channel().eventLoop() : null;
	}

}
