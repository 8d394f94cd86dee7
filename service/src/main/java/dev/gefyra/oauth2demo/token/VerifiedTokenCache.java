package dev.gefyra.oauth2demo.token;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;

import reactor.core.publisher.Mono;

import org.springframework.util.ConcurrentLruCache;

/**
 * Remembers the claims of tokens that passed verification, so a session's token costs one
 * RS256 signature check instead of one per request. An entry lives until the token's
 * {@code exp}, and no longer than the configured maximum (which bounds how long a token
 * signed by a key since removed from the JWKS keeps being accepted). Failures are never
 * remembered: a token that is not yet valid, or that met a JWKS outage, is verified
 * afresh next time.
 */
final class VerifiedTokenCache {

	private final ConcurrentLruCache<String, Mono<Map<String, Object>>> cache;

	private final Duration maxAge;

	private final Clock clock;

	/**
	 * @param capacity tokens remembered at most; 0 turns caching off
	 * @param maxAge how long a verified token is remembered at most
	 * @param clock the clock {@code exp} is compared with
	 * @param verifier verifies a token and returns its claims, {@code exp} in epoch
	 * seconds
	 */
	VerifiedTokenCache(int capacity, Duration maxAge, Clock clock,
			Function<String, Mono<Map<String, Object>>> verifier) {
		this.maxAge = maxAge;
		this.clock = clock;
		// A cached Mono subscribes to its source again once an entry expired: deferred,
		// the token is verified afresh then, not replayed from what verifier.apply built
		// the first time (such as the keys it held).
		this.cache = new ConcurrentLruCache<>(capacity, (token) -> Mono.defer(() -> verifier.apply(token))
			.cache(this::timeToLive, (error) -> Duration.ZERO, () -> Duration.ZERO));
	}

	Mono<Map<String, Object>> claims(String token) {
		return this.cache.get(token);
	}

	private Duration timeToLive(Map<String, Object> claims) {
		if (!(claims.get("exp") instanceof Number expiry)) {
			return Duration.ZERO;
		}
		Duration untilExpiry = Duration.between(this.clock.instant(), Instant.ofEpochSecond(expiry.longValue()));
		if (untilExpiry.isNegative()) {
			return Duration.ZERO;
		}
		return (untilExpiry.compareTo(this.maxAge) < 0) ? untilExpiry : this.maxAge;
	}

}
