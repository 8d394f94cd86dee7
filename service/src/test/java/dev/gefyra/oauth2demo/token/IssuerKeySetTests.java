package dev.gefyra.oauth2demo.token;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.SignedJWT;
import dev.gefyra.oauth2demo.support.ExpectedLogs;
import dev.gefyra.oauth2demo.support.TestIssuer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * How the issuer's keys are fetched, kept and refreshed, against a JWKS served on
 * loopback, on a clock the test moves.
 */
class IssuerKeySetTests {

	private static final Duration TTL = Duration.ofMinutes(5);

	private static final Duration REFETCH_INTERVAL = Duration.ofSeconds(10);

	@RegisterExtension
	final ExpectedLogs logs = new ExpectedLogs();

	private final TestIssuer issuer = TestIssuer.start();

	private final MovableClock clock = new MovableClock();

	private final IssuerKeySet keys = new IssuerKeySet(WebClient.create(), this.issuer.jwkSetUri(),
			Set.of(JWSAlgorithm.RS256), Duration.ofSeconds(5), TTL, REFETCH_INTERVAL, this.clock);

	@AfterEach
	void stopIssuer() {
		this.issuer.close();
	}

	@Test
	void concurrentRequestsShouldShareOneFetch() {
		SignedJWT token = parse(this.issuer.token());
		List<List<JWK>> found = keysForConcurrentRequests(token, 64);
		assertThat(found).hasSize(64).allSatisfy((matching) -> assertThat(matching).hasSize(1));
		assertThat(this.issuer.jwksRequests()).isEqualTo(1);
	}

	@Test
	void rotatedKeyShouldBeFetchedOnceThenTheRemovedKeyRefused() {
		SignedJWT beforeRotation = parse(this.issuer.token());
		assertThat(keysFor(beforeRotation)).hasSize(1);
		this.clock.advance(REFETCH_INTERVAL);
		this.issuer.rotateKey();
		SignedJWT afterRotation = parse(this.issuer.token());

		assertThat(keysFor(afterRotation)).hasSize(1);
		assertThat(keysFor(afterRotation)).hasSize(1);
		assertThat(this.issuer.jwksRequests()).isEqualTo(2);
		assertThatExceptionOfType(UnknownSigningKeyException.class).isThrownBy(() -> keysFor(beforeRotation))
			.withMessageContaining("no RS256 key with kid '" + beforeRotation.getHeader().getKeyID() + "'");
	}

	@Test
	void unknownKeyIdStormShouldCostOneFetchPerInterval() {
		keysFor(parse(this.issuer.token()));
		this.clock.advance(REFETCH_INTERVAL);
		List<SignedJWT> forged = IntStream.range(0, 2_000)
			.mapToObj((i) -> parse(TestIssuer.tokenWithKeyId(UUID.randomUUID().toString())))
			.toList();
		long started = System.nanoTime();
		List<Throwable> refusals = Flux.fromIterable(forged)
			.parallel(16)
			.runOn(Schedulers.parallel())
			.flatMap((token) -> this.keys.apply(token).then(Mono.<Throwable>empty()).onErrorResume(Mono::just))
			.sequential()
			.collectList()
			.block(Duration.ofSeconds(30));
		Duration took = Duration.ofNanos(System.nanoTime() - started);

		assertThat(refusals).hasSize(forged.size())
			.allSatisfy((refusal) -> assertThat(refusal).isInstanceOf(UnknownSigningKeyException.class)
				.hasMessageContaining("no RS256 key with kid"));
		assertThat(this.issuer.jwksRequests()).isEqualTo(2);
		assertThat(took).isLessThan(Duration.ofSeconds(10));

		this.clock.advance(REFETCH_INTERVAL);
		assertThatExceptionOfType(UnknownSigningKeyException.class).isThrownBy(() -> keysFor(forged.get(0)));
		assertThat(this.issuer.jwksRequests()).isEqualTo(3);
	}

	/**
	 * Issue 24, item 4: nothing refreshes the keys while no token arrives, so the first
	 * token after a quiet spell must not be checked against keys past their TTL.
	 */
	@Test
	void keysPastTheirTtlShouldBeFetchedBeforeUseSoARemovedKeyIsRefusedAtOnce() {
		SignedJWT token = parse(this.issuer.token());
		keysFor(token);
		this.issuer.rotateKey();
		this.clock.advance(TTL.plusHours(1));

		assertThatExceptionOfType(UnknownSigningKeyException.class).isThrownBy(() -> keysFor(token))
			.withMessageContaining("no RS256 key with kid '" + token.getHeader().getKeyID() + "'");
		assertThat(this.issuer.jwksRequests()).isEqualTo(2);
	}

	@Test
	void requestsArrivingPastTheTtlShouldShareOneFetch() {
		SignedJWT token = parse(this.issuer.token());
		keysFor(token);
		this.issuer.jwksDelay(Duration.ofMillis(500));
		this.clock.advance(TTL.plusSeconds(1));

		List<List<JWK>> found = keysForConcurrentRequests(token, 64);
		assertThat(found).hasSize(64).allSatisfy((matching) -> assertThat(matching).hasSize(1));
		assertThat(this.issuer.jwksRequests()).isEqualTo(2);
	}

	@Test
	void keysShortlyBeforeTheirTtlShouldBeRefreshedInTheBackgroundWithoutWaiting() {
		SignedJWT token = parse(this.issuer.token());
		keysFor(token);
		this.issuer.rotateKey();
		Duration jwksDelay = Duration.ofSeconds(2);
		this.issuer.jwksDelay(jwksDelay);
		this.clock.advance(TTL.minusSeconds(10));

		long started = System.nanoTime();
		assertThat(keysFor(token)).as("served from the keys held while they refresh").hasSize(1);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(jwksDelay.dividedBy(2));
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(
					() -> assertThatExceptionOfType(UnknownSigningKeyException.class).isThrownBy(() -> keysFor(token)));
		assertThat(this.issuer.jwksRequests()).isEqualTo(2);
	}

	@Test
	void unreachableJwksShouldLeaveKnownKeysWorkingAndUnknownOnesUnavailable() {
		SignedJWT known = parse(this.issuer.token());
		keysFor(known);
		this.issuer.jwksAvailable(false);
		this.clock.advance(TTL.plusSeconds(1));
		this.logs.expect(IssuerKeySet.class, "Refreshing the issuer's keys failed; keeping the 1 fetched at");

		for (int i = 0; i < 20; i++) {
			assertThat(keysFor(known)).hasSize(1);
		}
		assertThat(this.issuer.jwksRequests()).as("one fetch tried before the keys were used").isEqualTo(2);
		assertThat(this.logs.messages(IssuerKeySet.class)).hasSize(1);
		this.clock.advance(REFETCH_INTERVAL);
		SignedJWT unknown = parse(TestIssuer.tokenWithKeyId("new-key"));
		assertThatExceptionOfType(IssuerKeysUnavailableException.class).isThrownBy(() -> keysFor(unknown))
			.withMessageContaining("could not be fetched");
		assertThatExceptionOfType(IssuerKeysUnavailableException.class).isThrownBy(() -> keysFor(unknown))
			.withMessageContaining("next attempt in");
		assertThat(keysFor(known)).hasSize(1);
		assertThat(this.issuer.jwksRequests()).isEqualTo(3);
	}

	@Test
	void jwksTooSlowPastTheTtlShouldCostOneWaitOfTheTimeoutThenKeepTheKnownKeys() {
		Duration fetchTimeout = Duration.ofMillis(500);
		IssuerKeySet keys = new IssuerKeySet(WebClient.create(), this.issuer.jwkSetUri(), Set.of(JWSAlgorithm.RS256),
				fetchTimeout, TTL, REFETCH_INTERVAL, this.clock);
		SignedJWT known = parse(this.issuer.token());
		keys.apply(known).collectList().block(Duration.ofSeconds(10));
		this.issuer.jwksDelay(Duration.ofMillis(1_500));
		this.clock.advance(TTL.plusSeconds(1));
		this.logs.expect(IssuerKeySet.class, "no complete answer within 500 ms");

		long started = System.nanoTime();
		assertThat(keys.apply(known).collectList().block(Duration.ofSeconds(10))).hasSize(1);
		Duration waited = Duration.ofNanos(System.nanoTime() - started);
		started = System.nanoTime();
		assertThat(keys.apply(known).collectList().block(Duration.ofSeconds(10))).hasSize(1);
		Duration next = Duration.ofNanos(System.nanoTime() - started);

		assertThat(waited).isGreaterThanOrEqualTo(fetchTimeout).isLessThan(Duration.ofMillis(1_500));
		assertThat(next).as("no second wait within the refetch interval").isLessThan(fetchTimeout);
		assertThat(this.issuer.jwksRequests()).isEqualTo(2);
	}

	@Test
	void failedFirstFetchShouldBeRetriedOnlyAfterTheInterval() {
		SignedJWT token = parse(this.issuer.token());
		this.issuer.jwksAvailable(false);
		assertThatExceptionOfType(IssuerKeysUnavailableException.class).isThrownBy(() -> keysFor(token))
			.withMessageContaining("503");
		assertThatExceptionOfType(IssuerKeysUnavailableException.class).isThrownBy(() -> keysFor(token))
			.withMessageContaining("next attempt in 10 s");
		assertThat(this.issuer.jwksRequests()).isEqualTo(1);

		this.issuer.jwksAvailable(true);
		this.clock.advance(REFETCH_INTERVAL);
		assertThat(keysFor(token)).hasSize(1);
		assertThat(this.issuer.jwksRequests()).isEqualTo(2);
	}

	@Test
	void algorithmNotAcceptedShouldBeRefusedWithoutAFetch() {
		SignedJWT confused = parse(this.issuer.tokenHmacSignedWithPublicKey());
		assertThatExceptionOfType(UnacceptedAlgorithmException.class).isThrownBy(() -> keysFor(confused))
			.withMessage("Unsupported algorithm HS256, accepted: [RS256]");
		assertThat(this.issuer.jwksRequests()).isZero();
	}

	/** The keys COUNT requests for TOKEN get, 16 at a time on parallel threads. */
	private List<List<JWK>> keysForConcurrentRequests(SignedJWT token, int count) {
		return Flux.range(0, count)
			.parallel(16)
			.runOn(Schedulers.parallel())
			.flatMap((i) -> this.keys.apply(token).collectList())
			.sequential()
			.collectList()
			.block(Duration.ofSeconds(10));
	}

	private List<JWK> keysFor(SignedJWT token) {
		return this.keys.apply(token).collectList().block(Duration.ofSeconds(10));
	}

	private static SignedJWT parse(String token) {
		try {
			return SignedJWT.parse(token);
		}
		catch (ParseException ex) {
			throw new IllegalArgumentException(ex);
		}
	}

	private static final class MovableClock extends Clock {

		private volatile Instant now = Instant.parse("2026-11-28T12:00:00Z");

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public Instant instant() {
			return this.now;
		}

		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			throw new UnsupportedOperationException();
		}

	}

}
