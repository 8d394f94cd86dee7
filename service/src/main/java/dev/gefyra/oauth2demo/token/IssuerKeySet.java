package dev.gefyra.oauth2demo.token;

import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * The issuer's signing keys, fetched from its JWKS URL and kept between requests.
 * <p>
 * Spring's own remote key source fetches the JWKS again for every token naming a
 * {@code kid} it does not hold, so a client sending made-up {@code kid}s makes the
 * service hammer Keycloak, and it never drops a key Keycloak removed. This one:
 * <ul>
 * <li>fetches once for any number of concurrent requests;</li>
 * <li>fetches again for an unknown {@code kid} at most once per {@code refetchInterval}
 * (key rotation needs no restart; a storm of unknown {@code kid}s costs one fetch per
 * interval, each refused at once with a reason);</li>
 * <li>refreshes the keys in the background during the last tenth of their {@code ttl}, so
 * that under steady traffic no request waits for a fetch;</li>
 * <li>never uses keys past their {@code ttl} before trying to fetch them again: the
 * request that finds them expired waits for that fetch, so a key removed from the JWKS
 * stops being accepted after {@code ttl} even when no token came for hours (nothing
 * refreshes in the background while no token arrives);</li>
 * <li>keeps the keys it has when a fetch fails, so tokens signed by known keys keep being
 * verified while the JWKS is unreachable: past their {@code ttl}, the requests that come
 * while a fetch is under way wait for it, and once it failed, those of the next
 * {@code refetchInterval} use the keys at once;</li>
 * <li>gives a fetch {@code fetchTimeout} from start to parsed keys, however the JWKS
 * server answers.</li>
 * </ul>
 */
final class IssuerKeySet implements Function<SignedJWT, Flux<JWK>> {

	private static final Log logger = LogFactory.getLog(IssuerKeySet.class);

	private final WebClient client;

	private final URI jwkSetUri;

	private final Set<JWSAlgorithm> algorithms;

	private final Duration fetchTimeout;

	private final Duration ttl;

	/** The age from which keys are refreshed in the background, ahead of their expiry. */
	private final Duration refreshAheadAge;

	private final Duration refetchInterval;

	private final Clock clock;

	private volatile @Nullable FetchedKeys keys;

	/** Guarded by {@code this}. */
	private @Nullable CompletableFuture<FetchedKeys> fetchInFlight;

	/** Guarded by {@code this}. */
	private @Nullable Attempt lastAttempt;

	IssuerKeySet(WebClient client, URI jwkSetUri, Set<JWSAlgorithm> algorithms, Duration fetchTimeout, Duration ttl,
			Duration refetchInterval, Clock clock) {
		this.client = client;
		this.jwkSetUri = jwkSetUri;
		this.algorithms = Set.copyOf(algorithms);
		this.fetchTimeout = fetchTimeout;
		this.ttl = ttl;
		// The last tenth of the TTL: Nimbus's JWKSourceBuilder refreshes 30 s ahead of
		// its 5 min default.
		this.refreshAheadAge = ttl.minus(ttl.dividedBy(10));
		this.refetchInterval = refetchInterval;
		this.clock = clock;
	}

	/**
	 * The keys that may have signed the token.
	 * @param jwt the token
	 * @return the matching keys; an error of {@link UnacceptedAlgorithmException} when
	 * the token is signed with an algorithm not accepted,
	 * {@link UnknownSigningKeyException} when no key of the issuer matches,
	 * {@link IssuerKeysUnavailableException} when the keys cannot be fetched
	 */
	@Override
	public Flux<JWK> apply(SignedJWT jwt) {
		// Looked up on subscription, not on assembly: a subscriber that comes back (a
		// cache entry that expired) gets the keys of that moment.
		return Flux.defer(() -> matchingKeys(jwt.getHeader()));
	}

	private Flux<JWK> matchingKeys(JWSHeader header) {
		if (!this.algorithms.contains(header.getAlgorithm())) {
			return Flux.error(new UnacceptedAlgorithmException("Unsupported algorithm "
					+ QuotedHeaderValue.of(header.getAlgorithm()) + ", accepted: " + this.algorithms));
		}
		JWKSelector selector = new JWKSelector(JWKMatcher.forJWSHeader(header));
		return current().flatMapMany((known) -> {
			List<JWK> matching = selector.select(known.set());
			if (!matching.isEmpty()) {
				return Flux.fromIterable(matching);
			}
			return refetchForUnknownKey(header).flatMapMany((fresh) -> {
				List<JWK> afterRefetch = selector.select(fresh.set());
				return afterRefetch.isEmpty() ? Flux.error(unknownKey(header, fresh)) : Flux.fromIterable(afterRefetch);
			});
		});
	}

	private Mono<FetchedKeys> current() {
		FetchedKeys known = this.keys;
		if (known == null) {
			return fetchIfAllowed().orElseGet(() -> Mono.error(unavailable("no keys fetched yet")));
		}
		Duration age = known.ageAt(this.clock.instant());
		if (age.compareTo(this.ttl) >= 0) {
			// Outage tolerance: a fetch that fails, or failed less than refetchInterval
			// ago, leaves the keys held in use (finished() logs it).
			return fetchIfAllowed()
				.map((fetch) -> fetch.onErrorResume(IssuerKeysUnavailableException.class, (ex) -> Mono.just(known)))
				.orElseGet(() -> Mono.just(known));
		}
		if (age.compareTo(this.refreshAheadAge) >= 0) {
			refreshInBackground();
		}
		return Mono.just(known);
	}

	/**
	 * Starts a fetch no request waits for: {@link #fetchIfAllowed()} has it running
	 * already, and {@link #finished} logs a failure.
	 */
	private void refreshInBackground() {
		fetchIfAllowed();
	}

	private Mono<FetchedKeys> refetchForUnknownKey(JWSHeader header) {
		return fetchIfAllowed().orElseGet(() -> {
			FetchedKeys known = this.keys;
			return Mono.error((lastAttemptFailed() || known == null) ? unavailable("the last fetch failed")
					: unknownKey(header, known));
		});
	}

	/**
	 * Joins the fetch in flight, or starts one unless the last one started less than
	 * {@code refetchInterval} ago.
	 */
	private synchronized Optional<Mono<FetchedKeys>> fetchIfAllowed() {
		CompletableFuture<FetchedKeys> fetch = this.fetchInFlight;
		if (fetch == null) {
			Instant now = this.clock.instant();
			if (this.lastAttempt != null && now.isBefore(this.lastAttempt.startedAt().plus(this.refetchInterval))) {
				return Optional.empty();
			}
			this.lastAttempt = new Attempt(now, null);
			// Booked before the future completes, so whoever it wakes sees the outcome.
			fetch = download().doOnSuccess((fetched) -> finished(now, fetched, null))
				.doOnError((failure) -> finished(now, null, failure))
				.toFuture();
			this.fetchInFlight = fetch.isDone() ? null : fetch;
		}
		// The fetch outlives a request that gives up on it: the next one will want the
		// keys.
		return Optional.of(Mono.fromFuture(fetch, true));
	}

	private void finished(Instant startedAt, @Nullable FetchedKeys fetched, @Nullable Throwable failure) {
		@Nullable FetchedKeys kept;
		synchronized (this) {
			this.fetchInFlight = null;
			if (fetched != null) {
				this.keys = fetched;
			}
			this.lastAttempt = new Attempt(startedAt, failure);
			kept = this.keys;
		}
		if (failure != null && kept != null) {
			logger.warn("Refreshing the issuer's keys failed; keeping the " + kept.set().size() + " fetched at "
					+ kept.fetchedAt() + ": " + failure.getMessage());
		}
	}

	private synchronized boolean lastAttemptFailed() {
		return this.lastAttempt != null && this.lastAttempt.failure() != null;
	}

	private Mono<FetchedKeys> download() {
		return this.client.get()
			.uri(this.jwkSetUri)
			.retrieve()
			.bodyToMono(String.class)
			.switchIfEmpty(Mono.error(() -> new IllegalStateException("empty response")))
			// The client's response timeout only bounds the silence between two reads: a
			// server trickling a byte at a time would hold every request waiting for
			// keys.
			.timeout(this.fetchTimeout, Mono
				.error(() -> new TimeoutException("no complete answer within " + this.fetchTimeout.toMillis() + " ms")))
			.map(this::parse)
			.onErrorMap((ex) -> !(ex instanceof IssuerKeysUnavailableException),
					(ex) -> new IssuerKeysUnavailableException(
							"The issuer's keys could not be fetched from " + this.jwkSetUri + ": " + ex.getMessage(),
							ex));
	}

	private FetchedKeys parse(String body) {
		try {
			return new FetchedKeys(JWKSet.parse(body), this.clock.instant());
		}
		catch (ParseException ex) {
			throw new IssuerKeysUnavailableException(
					"The issuer's JWKS at " + this.jwkSetUri + " is not a JWK set: " + ex.getMessage(), ex);
		}
	}

	private synchronized IssuerKeysUnavailableException unavailable(String why) {
		Attempt attempt = this.lastAttempt;
		Throwable failure = (attempt != null) ? attempt.failure() : null;
		Duration wait = (attempt != null)
				? Duration.between(this.clock.instant(), attempt.startedAt().plus(this.refetchInterval))
				: Duration.ZERO;
		return new IssuerKeysUnavailableException("The issuer's keys could not be fetched (" + why
				+ ((failure != null) ? ": " + failure.getMessage() : "") + "); next attempt in "
				+ Math.max(0, wait.toSeconds()) + " s", failure);
	}

	private UnknownSigningKeyException unknownKey(JWSHeader header, FetchedKeys known) {
		// The algorithm is one accepted here; the kid can be anything.
		return new UnknownSigningKeyException("The issuer has no " + header.getAlgorithm() + " key with kid '"
				+ QuotedHeaderValue.of(header.getKeyID()) + "' (its keys were fetched at " + known.fetchedAt()
				+ "; they are fetched again at most every " + this.refetchInterval.toSeconds() + " s)");
	}

	private record FetchedKeys(JWKSet set, Instant fetchedAt) {

		Duration ageAt(Instant now) {
			return Duration.between(this.fetchedAt, now);
		}

	}

	private record Attempt(Instant startedAt, @Nullable Throwable failure) {

	}

}
