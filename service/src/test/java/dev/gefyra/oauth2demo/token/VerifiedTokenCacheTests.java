package dev.gefyra.oauth2demo.token;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.UUID;

import com.nimbusds.jose.util.Base64URL;
import dev.gefyra.oauth2demo.support.TestIssuer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

class VerifiedTokenCacheTests {

	private static final long MEGABYTE = 1024 * 1024;

	private final TestIssuer issuer = TestIssuer.start();

	private final AtomicInteger verifications = new AtomicInteger();

	/**
	 * Verifies when called, not when subscribed to, as a verifier may (it can look the
	 * keys up while it builds its Mono): the cache must call it again for every fresh
	 * check, not replay what it built the first time.
	 */
	private Mono<Map<String, Object>> verifyExpiringIn(Duration lifetime) {
		this.verifications.incrementAndGet();
		return Mono.just(Map.of("email", "john@gefyra.dev", "exp", Instant.now().plus(lifetime).getEpochSecond()));
	}

	@AfterEach
	void stopIssuer() {
		this.issuer.close();
	}

	private VerifiedTokenCache cache(int capacity, long maxBytes, Duration maxAge) {
		return new VerifiedTokenCache(capacity, maxBytes, maxAge, Clock.systemUTC(),
				(token) -> verifyExpiringIn(Duration.ofHours(1)));
	}

	@Test
	void verifiedTokenShouldBeVerifiedOnce() {
		VerifiedTokenCache cache = cache(100, MEGABYTE, Duration.ofMinutes(1));
		assertThat(cache.claims("a").block()).containsEntry("email", "john@gefyra.dev");
		assertThat(cache.claims("a").block()).containsEntry("email", "john@gefyra.dev");
		assertThat(this.verifications).hasValue(1);
		cache.claims("b").block();
		assertThat(this.verifications).hasValue(2);
		assertThat(cache.size()).isEqualTo(2);
	}

	@Test
	void failureShouldNeverBeRemembered() {
		VerifiedTokenCache cache = new VerifiedTokenCache(100, MEGABYTE, Duration.ofMinutes(1), Clock.systemUTC(),
				(token) -> {
					this.verifications.incrementAndGet();
					return Mono.error(new InvalidAccessTokenException("not yet valid"));
				});
		assertThatException().isThrownBy(() -> cache.claims("a").block());
		assertThatException().isThrownBy(() -> cache.claims("a").block());
		assertThat(this.verifications).hasValue(2);
		assertThat(cache.size()).isZero();
	}

	@Test
	void verificationUnderWayShouldHoldNoEntry() {
		VerifiedTokenCache cache = new VerifiedTokenCache(100, MEGABYTE, Duration.ofMinutes(1), Clock.systemUTC(),
				(token) -> Mono.never());
		List<Disposable> waiting = new ArrayList<>();
		for (int i = 0; i < 1_000; i++) {
			waiting.add(cache.claims("token-" + i).subscribe());
		}
		assertThat(cache.size()).isZero();
		assertThat(cache.weight()).isZero();
		waiting.forEach(Disposable::dispose);
	}

	@Test
	void entryShouldNotOutliveTheTokensExpiry() throws InterruptedException {
		VerifiedTokenCache cache = new VerifiedTokenCache(100, MEGABYTE, Duration.ofMinutes(1), Clock.systemUTC(),
				(token) -> verifyExpiringIn(Duration.ofSeconds(1)));
		cache.claims("a").block();
		Thread.sleep(1_200);
		cache.claims("a").block();
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void entryShouldNotOutliveTheMaximumAge() throws InterruptedException {
		VerifiedTokenCache cache = cache(100, MEGABYTE, Duration.ofMillis(200));
		cache.claims("a").block();
		cache.claims("a").block();
		assertThat(this.verifications).hasValue(1);
		Thread.sleep(400);
		cache.claims("a").block();
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void tokenWithoutExpiryShouldNotBeRemembered() {
		VerifiedTokenCache cache = new VerifiedTokenCache(100, MEGABYTE, Duration.ofMinutes(1), Clock.systemUTC(),
				(token) -> {
					this.verifications.incrementAndGet();
					return Mono.just(Map.of("email", "x"));
				});
		cache.claims("a").block();
		cache.claims("a").block();
		assertThat(this.verifications).hasValue(2);
		assertThat(cache.size()).isZero();
	}

	@Test
	void zeroCapacityShouldVerifyEveryRequest() {
		VerifiedTokenCache cache = cache(0, MEGABYTE, Duration.ofMinutes(1));
		cache.claims("a").block();
		cache.claims("a").block();
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void zeroMemoryShouldVerifyEveryRequest() {
		VerifiedTokenCache cache = cache(100, 0, Duration.ofMinutes(1));
		cache.claims("a").block();
		cache.claims("a").block();
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void largeClaimsShouldBeBoundedByTheirWeightNotTheirCount() {
		long maxBytes = 256 * 1024;
		String padding = "x".repeat(8_000);
		VerifiedTokenCache cache = new VerifiedTokenCache(10_000, maxBytes, Duration.ofMinutes(1), Clock.systemUTC(),
				(token) -> Mono.just(Map.of("sub", token, "padding", padding, "exp",
						Instant.now().plus(Duration.ofHours(1)).getEpochSecond())));
		for (int i = 0; i < 500; i++) {
			cache.claims("token-" + i).block();
		}
		System.out.println("verified-token cache, 500 tokens of 8 000-character claims under " + maxBytes / 1024
				+ " KiB: " + cache.size() + " entries, " + cache.weight() + " bytes");
		assertThat(cache.weight()).isLessThanOrEqualTo(maxBytes).isGreaterThan(maxBytes / 2);
		// 16 000 bytes a token's padding alone: at most 16 fit.
		assertThat(cache.size()).isBetween(1L, 16L);
	}

	@Test
	void smallClaimsShouldBeBoundedByTheCount() {
		VerifiedTokenCache cache = cache(10, 64 * MEGABYTE, Duration.ofMinutes(1));
		for (int i = 0; i < 500; i++) {
			cache.claims("token-" + i).block();
		}
		assertThat(cache.size()).isBetween(1L, 10L);
		assertThat(cache.weight()).isLessThanOrEqualTo(64 * MEGABYTE);
	}

	@Test
	void tokensShouldBeToldApartByTheirWholeContent() {
		VerifiedTokenCache cache = cache(100, MEGABYTE, Duration.ofMinutes(1));
		String token = "eyJ." + "p".repeat(5_000) + ".sig";
		cache.claims(token).block();
		cache.claims(token.substring(0, token.length() - 1) + "h").block();
		cache.claims(new String(token.toCharArray())).block();
		assertThat(this.verifications).hasValue(2);
		assertThat(cache.size()).isEqualTo(2);
	}

	/**
	 * Issue 12, item 5: some 8 400 distinct invalid tokens of 7.6 KB each ended the JVM
	 * with an OutOfMemoryError, each leaving a cache entry keyed by the whole token. Here
	 * they go through the real verifier, decoder and key set.
	 */
	@Test
	void manyDistinctInvalidLargeTokensShouldLeaveTheCacheEmpty() {
		VerifiedTokenCache cache = new VerifiedTokenCache(10_000, 32 * MEGABYTE, Duration.ofMinutes(1),
				Clock.systemUTC(), realVerifier());
		assertThat(cache.claims(this.issuer.token()).block()).containsEntry("email", "john@gefyra.dev");
		SecureRandom random = new SecureRandom();
		int refused = 0;
		long bytesSent = 0;
		for (int i = 0; i < 8_400; i++) {
			String token = largeTokenWithAForgedSignature(random);
			bytesSent += token.length();
			try {
				cache.claims(token).block();
			}
			catch (InvalidAccessTokenException ex) {
				refused++;
			}
		}
		System.out.println("verified-token cache after 8 400 distinct invalid tokens (" + bytesSent / MEGABYTE
				+ " MiB sent): " + refused + " refused; " + cache.size() + " entries, " + cache.weight() + " bytes");
		assertThat(refused).isEqualTo(8_400);
		assertThat(cache.size()).as("only the one valid token is remembered").isEqualTo(1);
	}

	@Test
	void manyDistinctValidLargeTokensShouldStayWithinTheMemoryBound() {
		long maxBytes = MEGABYTE;
		VerifiedTokenCache cache = new VerifiedTokenCache(10_000, maxBytes, Duration.ofMinutes(1), Clock.systemUTC(),
				realVerifier());
		String padding = "p".repeat(5_600);
		for (int i = 0; i < 400; i++) {
			assertThat(cache.claims(this.issuer.token((claims) -> claims.claim("padding", padding))).block())
				.containsKey("padding");
		}
		System.out.println("verified-token cache, 400 valid tokens of 7.6 KB under 1 MiB: " + cache.size()
				+ " entries, " + cache.weight() + " bytes");
		assertThat(cache.weight()).isLessThanOrEqualTo(maxBytes);
		assertThat(cache.size()).isBetween(1L, 100L);
	}

	private Function<String, Mono<Map<String, Object>>> realVerifier() {
		TokenProperties properties = new TokenProperties("X-Forwarded-Access-Token", TokenVerification.JWKS,
				this.issuer.jwkSetUri(), TestIssuer.ISSUER, TestIssuer.AUDIENCE, Duration.ofSeconds(30),
				List.of(SignatureAlgorithm.RS256), Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofSeconds(10),
				10_000, DataSize.ofMegabytes(32), Duration.ofSeconds(60));
		return new AccessTokenVerifier(AccessTokenDecoders.verifyingDecoder(properties))::verify;
	}

	/**
	 * A token that names the issuer's key and carries valid claims padded to 7.6 KB, with
	 * a random signature: cheap to make, and refused only once its signature is checked.
	 */
	private String largeTokenWithAForgedSignature(SecureRandom random) {
		String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + this.issuer.keyId() + "\"}";
		String payload = TestIssuer.validClaims()
			.jwtID(UUID.randomUUID().toString())
			.claim("padding", "p".repeat(5_300))
			.build()
			.toString();
		byte[] signature = new byte[256];
		random.nextBytes(signature);
		return Base64URL.encode(header.getBytes(StandardCharsets.UTF_8)) + "."
				+ Base64URL.encode(payload.getBytes(StandardCharsets.UTF_8)) + "." + Base64URL.encode(signature);
	}

}
