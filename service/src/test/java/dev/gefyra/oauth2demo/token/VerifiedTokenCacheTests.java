package dev.gefyra.oauth2demo.token;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

class VerifiedTokenCacheTests {

	private final AtomicInteger verifications = new AtomicInteger();

	/**
	 * Verifies when called, not when subscribed to, as the real verifier may (it can look
	 * the keys up while it builds its Mono): the cache must call it again for every fresh
	 * check, not replay what it built the first time.
	 */
	private Mono<Map<String, Object>> verifyExpiringIn(Duration lifetime) {
		this.verifications.incrementAndGet();
		return Mono.just(Map.of("email", "john@gefyra.dev", "exp", Instant.now().plus(lifetime).getEpochSecond()));
	}

	@Test
	void verifiedTokenShouldBeVerifiedOnce() {
		VerifiedTokenCache cache = new VerifiedTokenCache(100, Duration.ofMinutes(1), Clock.systemUTC(),
				(token) -> verifyExpiringIn(Duration.ofHours(1)));
		assertThat(cache.claims("a").block()).containsEntry("email", "john@gefyra.dev");
		assertThat(cache.claims("a").block()).containsEntry("email", "john@gefyra.dev");
		assertThat(this.verifications).hasValue(1);
		cache.claims("b").block();
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void failureShouldNeverBeRemembered() {
		VerifiedTokenCache cache = new VerifiedTokenCache(100, Duration.ofMinutes(1), Clock.systemUTC(), (token) -> {
			this.verifications.incrementAndGet();
			return Mono.error(new InvalidAccessTokenException("not yet valid"));
		});
		assertThatException().isThrownBy(() -> cache.claims("a").block());
		assertThatException().isThrownBy(() -> cache.claims("a").block());
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void entryShouldNotOutliveTheTokensExpiry() throws InterruptedException {
		VerifiedTokenCache cache = new VerifiedTokenCache(100, Duration.ofMinutes(1), Clock.systemUTC(),
				(token) -> verifyExpiringIn(Duration.ofSeconds(1)));
		cache.claims("a").block();
		Thread.sleep(1_200);
		cache.claims("a").block();
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void entryShouldNotOutliveTheMaximumAge() throws InterruptedException {
		VerifiedTokenCache cache = new VerifiedTokenCache(100, Duration.ofMillis(200), Clock.systemUTC(),
				(token) -> verifyExpiringIn(Duration.ofHours(1)));
		cache.claims("a").block();
		cache.claims("a").block();
		assertThat(this.verifications).hasValue(1);
		Thread.sleep(400);
		cache.claims("a").block();
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void tokenWithoutExpiryShouldNotBeRemembered() {
		VerifiedTokenCache cache = new VerifiedTokenCache(100, Duration.ofMinutes(1), Clock.systemUTC(), (token) -> {
			this.verifications.incrementAndGet();
			return Mono.just(Map.of("email", "x"));
		});
		cache.claims("a").block();
		cache.claims("a").block();
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void zeroCapacityShouldVerifyEveryRequest() {
		VerifiedTokenCache cache = new VerifiedTokenCache(0, Duration.ofMinutes(1), Clock.systemUTC(),
				(token) -> verifyExpiringIn(Duration.ofHours(1)));
		cache.claims("a").block();
		cache.claims("a").block();
		assertThat(this.verifications).hasValue(2);
	}

}
