package dev.gefyra.oauth2demo.bench;

import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/**
 * The benchmark's ceiling: the same WebFlux and Netty as the service, answering
 * {@code /items/{id}} with constant claims, no token, no mapping, no actuator.
 */
@SpringBootApplication
public class BareWebFluxApplication {

	public static void main(String[] args) {
		SpringApplication.run(BareWebFluxApplication.class, args);
	}

	@Bean
	RouterFunction<ServerResponse> items() {
		return route()
			.GET("/items/{item_id}", (request) -> ServerResponse.ok()
				.bodyValue(Map.of("item_id", Integer.parseInt(request.pathVariable("item_id")), "Email", "bare")))
			.build();
	}

}
