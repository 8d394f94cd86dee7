package dev.gefyra.oauth2demo.token;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Remembers the claims of tokens that passed verification, so a session's token costs one
 * RS256 signature check instead of one per request.
 * <p>
 * An entry lives until the token's {@code exp}, and no longer than the configured maximum
 * age (which bounds how long a token signed by a key since removed from the JWKS keeps
 * being accepted). Only a token that verified takes room, looked up by the SHA-256 digest
 * of its bytes and weighed by the claims it remembers: a failure is never remembered and
 * a verification under way holds no entry, so any number of tokens that do not verify,
 * however large, leave the cache as it was. The cache is bounded both in entries and in
 * the approximate bytes of their claims: every entry is charged at least an equal share
 * of the byte bound ({@code maxBytes / capacity}), so a total weight within the byte
 * bound also keeps the count within {@code capacity}.
 * <p>
 * Concurrent requests with a token not remembered yet each verify it: a signature check
 * costs less than handing one verification's outcome to every waiting request would,
 * since that completes their responses on the thread of the request that verified (see
 * {@code OwnEventLoop}). The one costly step, fetching the issuer's keys, is shared by
 * {@link IssuerKeySet}.
 */
final class VerifiedTokenCache {

	/**
	 * The cache's own cost of an entry besides the claims: Caffeine's node, the digest,
	 * the entry record.
	 */
	private static final long ENTRY_BYTES = 160;

	private final @Nullable Cache<TokenDigest, Remembered> remembered;

	private final Function<String, Mono<Map<String, Object>>> verifier;

	private final Duration maxAge;

	private final Clock clock;

	/**
	 * @param capacity tokens remembered at most; 0 turns caching off
	 * @param maxBytes approximate bytes the remembered entries may take at most; 0 turns
	 * caching off
	 * @param maxAge how long a verified token is remembered at most
	 * @param clock the clock {@code exp} is compared with
	 * @param verifier verifies a token when its result is subscribed to and returns its
	 * claims, {@code exp} in epoch seconds
	 */
	VerifiedTokenCache(int capacity, long maxBytes, Duration maxAge, Clock clock,
			Function<String, Mono<Map<String, Object>>> verifier) {
		this.verifier = verifier;
		this.maxAge = maxAge;
		this.clock = clock;
		if (capacity <= 0 || maxBytes <= 0 || !maxAge.isPositive()) {
			this.remembered = null;
			return;
		}
		long share = Math.max(1, maxBytes / capacity);
		this.remembered = Caffeine.newBuilder()
			.maximumWeight(maxBytes)
			.weigher((TokenDigest digest,
					Remembered entry) -> (int) Math.min(Integer.MAX_VALUE, Math.max(share, entry.bytes())))
			.expireAfter(Expiry.creating((TokenDigest digest, Remembered entry) -> entry.timeToLive()))
			// Evict on the request's thread, right away: no pool thread, no lag behind
			// the bound.
			.executor(Runnable::run)
			.build();
	}

	/**
	 * The token's claims: remembered ones if it verified recently, else a fresh check
	 * when subscribed to.
	 * @param token the raw token
	 * @return the claims, or the verifier's error
	 */
	Mono<Map<String, Object>> claims(String token) {
		return Mono.defer(() -> {
			Cache<TokenDigest, Remembered> cache = this.remembered;
			if (cache == null) {
				return this.verifier.apply(token);
			}
			TokenDigest digest = TokenDigest.of(token);
			Remembered hit = cache.getIfPresent(digest);
			if (hit != null) {
				return Mono.just(hit.claims());
			}
			return this.verifier.apply(token).map((claims) -> remember(cache, digest, claims));
		});
	}

	/** Entries held now, expired ones not counted. */
	long size() {
		Cache<TokenDigest, Remembered> cache = this.remembered;
		if (cache == null) {
			return 0;
		}
		cache.cleanUp();
		return cache.estimatedSize();
	}

	/**
	 * The weight of the entries held now: their approximate bytes, each at least its
	 * share of the bound.
	 */
	long weight() {
		Cache<TokenDigest, Remembered> cache = this.remembered;
		if (cache == null) {
			return 0;
		}
		cache.cleanUp();
		return cache.policy().eviction().orElseThrow().weightedSize().orElseThrow();
	}

	private Map<String, Object> remember(Cache<TokenDigest, Remembered> cache, TokenDigest digest,
			Map<String, Object> claims) {
		Map<String, Object> shared = Collections.unmodifiableMap(claims);
		Duration timeToLive = timeToLive(claims);
		if (timeToLive.isPositive()) {
			cache.put(digest, new Remembered(shared, timeToLive, ENTRY_BYTES + ClaimsWeight.bytes(claims)));
		}
		return shared;
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

	/**
	 * A verified token's claims, kept until {@code timeToLive} has passed.
	 *
	 * @param claims the claims, read-only: requests share them
	 * @param timeToLive how long they are remembered
	 * @param bytes their approximate size in memory, with the entry's own
	 */
	private record Remembered(Map<String, Object> claims, Duration timeToLive, long bytes) {

	}

}
