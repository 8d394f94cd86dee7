package dev.gefyra.oauth2demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.gefyra.oauth2demo.support.TestIssuer;

import org.springframework.boot.SpringApplication;

/**
 * Runs the service on its defaults in {@code jwks} mode, with {@link TestIssuer} standing
 * in for Keycloak, and writes tokens to try it with ({@code scripts/run-local} starts
 * it).
 */
public final class LocalRunApplication {

	private LocalRunApplication() {
	}

	public static void main(String[] args) {
		TestIssuer issuer = TestIssuer.start();
		Runtime.getRuntime().addShutdownHook(new Thread(issuer::close));
		Path tokens = writeTokens(issuer, Path.of(System.getProperty("local.tokens.dir", "target/local-tokens")));
		System.err
			.println("INFO - test issuer JWKS at " + issuer.jwkSetUri() + ", tokens in " + tokens.toAbsolutePath());
		String[] arguments = new String[args.length + 2];
		arguments[0] = "--token.jwk-set-uri=" + issuer.jwkSetUri();
		arguments[1] = "--token.issuer=" + TestIssuer.ISSUER;
		System.arraycopy(args, 0, arguments, 2, args.length);
		SpringApplication.run(ClaimServiceApplication.class, arguments);
	}

	private static Path writeTokens(TestIssuer issuer, Path directory) {
		Instant past = Instant.now().minus(Duration.ofHours(1));
		Map<String, String> tokens = new LinkedHashMap<>();
		tokens.put("john.jwt",
				issuer.token((claims) -> claims.expirationTime(Date.from(Instant.now().plus(Duration.ofHours(8))))));
		tokens.put("expired.jwt", issuer
			.token((claims) -> claims.issueTime(Date.from(past.minusSeconds(300))).expirationTime(Date.from(past))));
		tokens.put("forged.jwt", issuer.tokenSignedByAnotherKey());
		tokens.put("unsigned.jwt", TestIssuer.unsignedToken());
		try {
			Files.createDirectories(directory);
			for (Map.Entry<String, String> token : tokens.entrySet()) {
				Files.writeString(directory.resolve(token.getKey()), token.getValue());
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot write the local tokens", ex);
		}
		return directory;
	}

}
