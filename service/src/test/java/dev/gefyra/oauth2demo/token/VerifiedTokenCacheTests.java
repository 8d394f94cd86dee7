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

	private Mono<Map<String, Object>> verifyExpiringIn(Duration lifetime) {
		return Mono.fromSupplier(() -> {
			this.verifications.incrementAndGet();
			return Map.of("email", "john@gefyra.dev", "exp", Instant.now().plus(lifetime).getEpochSecond());
		});
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
		VerifiedTokenCache cache = new VerifiedTokenCache(100, Duration.ofMinutes(1), Clock.systemUTC(),
				(token) -> Mono.error(() -> {
					this.verifications.incrementAndGet();
					return new InvalidAccessTokenException("not yet valid", new IllegalStateException());
				}));
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
		VerifiedTokenCache cache = new VerifiedTokenCache(100, Duration.ofMinutes(1), Clock.systemUTC(),
				(token) -> Mono.fromSupplier(() -> {
					this.verifications.incrementAndGet();
					return Map.of("email", "x");
				}));
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
