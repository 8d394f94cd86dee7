package dev.gefyra.oauth2demo.support;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A stand-in for Keycloak in tests: an RSA signing key, its JWKS served over HTTP on
 * loopback, and real RS256 tokens shaped like Keycloak's (issuer, audience, email, nested
 * {@code realm_access}).
 * <p>
 * Registered as a test class's extension ({@code @RegisterExtension static}), it is the
 * token issuer of the class's Spring Boot application
 * ({@link TestIssuerContextCustomizerFactory}) and stops after the class.
 */
public final class TestIssuer implements AutoCloseable, AfterAllCallback {

	public static final String ISSUER = "http://keycloak.test/realms/demo";

	public static final String AUDIENCE = "oauth2-demo";

	private static final RSAKey ATTACKER_KEY = newKey();

	private final AtomicReference<RSAKey> signingKey = new AtomicReference<>(newKey());

	/** Keys no longer signing but still published, as after a Keycloak key rotation. */
	private final List<RSAKey> publishedOlderKeys = new CopyOnWriteArrayList<>();

	private final AtomicInteger jwksRequests = new AtomicInteger();

	private volatile boolean jwksAvailable = true;

	private volatile Duration jwksDelay = Duration.ZERO;

	private final HttpServer server;

	private TestIssuer(HttpServer server) {
		this.server = server;
	}

	/**
	 * Starts the JWKS server on an ephemeral loopback port.
	 * @return the running issuer
	 */
	public static TestIssuer start() {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
			TestIssuer issuer = new TestIssuer(server);
			server.createContext("/jwks", (exchange) -> {
				issuer.jwksRequests.incrementAndGet();
				sleep(issuer.jwksDelay);
				if (!issuer.jwksAvailable) {
					exchange.sendResponseHeaders(503, -1);
					exchange.close();
					return;
				}
				List<JWK> published = new ArrayList<>();
				published.add(issuer.signingKey.get().toPublicJWK());
				issuer.publishedOlderKeys.forEach((key) -> published.add(key.toPublicJWK()));
				byte[] body = new JWKSet(published).toString().getBytes(StandardCharsets.UTF_8);
				exchange.getResponseHeaders().set("Content-Type", "application/json");
				exchange.sendResponseHeaders(200, body.length);
				try (OutputStream out = exchange.getResponseBody()) {
					out.write(body);
				}
			});
			server.start();
			return issuer;
		}
		catch (IOException ex) {
			throw new IllegalStateException("cannot start the test JWKS server", ex);
		}
	}

	public URI jwkSetUri() {
		return URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + "/jwks");
	}

	public int jwksRequests() {
		return this.jwksRequests.get();
	}

	/**
	 * Makes the JWKS answer 503, as an issuer that is down behind its ingress does, or
	 * serve again.
	 * @param available whether the JWKS is served
	 */
	public void jwksAvailable(boolean available) {
		this.jwksAvailable = available;
	}

	/**
	 * Makes the JWKS answer only after a delay, as a slow issuer does.
	 * @param delay the delay
	 */
	public void jwksDelay(Duration delay) {
		this.jwksDelay = delay;
	}

	/**
	 * Replaces the signing key, as a Keycloak key rotation does; the JWKS serves only the
	 * new key.
	 */
	public void rotateKey() {
		this.publishedOlderKeys.clear();
		this.signingKey.set(newKey());
	}

	/**
	 * Signs with a new key from now on, and keeps publishing the older ones: tokens they
	 * signed stay valid.
	 */
	public synchronized void addSigningKey() {
		this.publishedOlderKeys.add(this.signingKey.getAndSet(newKey()));
	}

	/**
	 * The claims of a valid token for the demo user; customize them to make it invalid or
	 * different.
	 * @return a claims builder
	 */
	public static JWTClaimsSet.Builder validClaims() {
		Instant now = Instant.now();
		return new JWTClaimsSet.Builder().issuer(ISSUER)
			.audience(List.of(AUDIENCE, "account"))
			.subject("f:4e3b1c9a:john")
			.issueTime(Date.from(now))
			.expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
			.jwtID(UUID.randomUUID().toString())
			.claim("email", "john@gefyra.dev")
			.claim("email_verified", true)
			.claim("preferred_username", "john")
			.claim("realm_access", Map.of("roles", List.of("offline_access", "demo-user")));
	}

	/** A valid token for the demo user. */
	public String token() {
		return token((claims) -> {
		});
	}

	/** A token signed by this issuer with the given changes to {@link #validClaims()}. */
	public String token(Consumer<JWTClaimsSet.Builder> customizer) {
		JWTClaimsSet.Builder claims = validClaims();
		customizer.accept(claims);
		return sign(claims.build(), this.signingKey.get());
	}

	/**
	 * A well-formed token for the demo user, signed by a key this issuer never published
	 * under the same kid.
	 */
	public String tokenSignedByAnotherKey() {
		return tokenWithKeyId(this.signingKey.get().getKeyID());
	}

	/**
	 * A well-formed token naming a {@code kid}, signed by a key of the attacker's.
	 * @param keyId the {@code kid}
	 * @return the token, signed by a key of the attacker's
	 */
	public static String tokenWithKeyId(String keyId) {
		return sign(validClaims().build(), new RSAKey.Builder(ATTACKER_KEY).keyID(keyId).build());
	}

	/**
	 * A token signed by a key of the attacker's whose header points at the attacker's
	 * JWKS ({@code jku}) and certificate URL ({@code x5u}): a verifier must ignore both.
	 */
	public static String tokenWithForeignKeyUrls() {
		try {
			RSAKey attacker = new RSAKey.Builder(ATTACKER_KEY).keyID(UUID.randomUUID().toString()).build();
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT)
				.keyID(attacker.getKeyID())
				.jwkURL(URI.create("http://127.0.0.1:9/attacker/jwks.json"))
				.x509CertURL(URI.create("http://127.0.0.1:9/attacker/cert.pem"))
				.build(), validClaims().build());
			jwt.sign(new RSASSASigner(attacker));
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** An unsigned token: {@code alg: none}. */
	public static String unsignedToken() {
		return new PlainJWT(validClaims().build()).serialize();
	}

	/**
	 * Algorithm confusion: HS256 with the issuer's public key bytes as the HMAC secret.
	 */
	public String tokenHmacSignedWithPublicKey() {
		try {
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT)
				.keyID(this.signingKey.get().getKeyID())
				.build(), validClaims().build());
			jwt.sign(new MACSigner(this.signingKey.get().toRSAPublicKey().getEncoded()));
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The {@code kid} under which the JWKS publishes the current signing key. */
	public String keyId() {
		return this.signingKey.get().getKeyID();
	}

	/**
	 * The current public key's encoded bytes, which an algorithm-confusion forger keys
	 * HMAC with.
	 */
	public byte[] publicKeyBytes() {
		try {
			return this.signingKey.get().toRSAPublicKey().getEncoded();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A token signed with the current key whose header and payload are exactly the bytes
	 * given, so a test can send authentic tokens holding JSON that no claims builder
	 * would write.
	 * @param algorithm an RSA signature algorithm
	 * @param header the header's bytes, its {@code alg} ought to name the algorithm
	 * @param payload the payload's bytes
	 * @return the compact serialization
	 */
	public String signRaw(JWSAlgorithm algorithm, byte[] header, byte[] payload) {
		try {
			return signRaw(new RSASSASigner(this.signingKey.get()), algorithm, header, payload);
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Like {@link #signRaw(JWSAlgorithm, byte[], byte[])}, with any signer: a forger's
	 * key, or an HMAC secret.
	 */
	public static String signRaw(JWSSigner signer, JWSAlgorithm algorithm, byte[] header, byte[] payload) {
		String signingInput = Base64URL.encode(header) + "." + Base64URL.encode(payload);
		try {
			return signingInput + "."
					+ signer.sign(new JWSHeader(algorithm), signingInput.getBytes(StandardCharsets.US_ASCII));
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String sign(JWTClaimsSet claims, RSAKey key) {
		try {
			SignedJWT jwt = new SignedJWT(
					new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID(key.getKeyID()).build(),
					claims);
			jwt.sign(new RSASSASigner(key));
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static RSAKey newKey() {
		return newKey(UUID.randomUUID().toString());
	}

	private static RSAKey newKey(String keyId) {
		try {
			return new RSAKeyGenerator(2048).keyID(keyId).generate();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

	@Override
	public void afterAll(ExtensionContext context) {
		close();
	}

}
