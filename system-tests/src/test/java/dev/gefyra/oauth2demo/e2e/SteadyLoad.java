package dev.gefyra.oauth2demo.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A steady loop of requests with a logged-in session's cookies, at a fixed rate on
 * kept-alive connections, counting every answer that is not the expected one (another
 * status, another body, no answer within 10 s), and timing each from its send to its
 * answer.
 */
final class SteadyLoad implements AutoCloseable {

	private static final int MAX_IN_FLIGHT = 256;

	private final AtomicInteger answered = new AtomicInteger();

	private final AtomicInteger failed = new AtomicInteger();

	private final Queue<String> failures = new ConcurrentLinkedQueue<>();

	private final Queue<Long> latencyNanos = new ConcurrentLinkedQueue<>();

	private final long startedNanos = System.nanoTime();

	private final Sinks.Empty<Void> stopSignal = Sinks.empty();

	private final CountDownLatch finished = new CountDownLatch(1);

	private final Disposable loop;

	private SteadyLoad(HttpRequest request, Predicate<String> expected, int perSecond) {
		HttpClient http = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.followRedirects(HttpClient.Redirect.NEVER)
			.connectTimeout(Duration.ofSeconds(5))
			.build();
		this.loop = Flux.interval(Duration.ofNanos(1_000_000_000L / perSecond))
			.takeUntilOther(this.stopSignal.asMono())
			.onBackpressureDrop()
			.flatMap((tick) -> Mono.defer(() -> {
				long sent = System.nanoTime();
				return Mono.fromFuture(() -> http.sendAsync(request, HttpResponse.BodyHandlers.ofString()))
					.doOnNext((response) -> this.latencyNanos.add(System.nanoTime() - sent))
					.map((response) -> (response.statusCode() == 200 && expected.test(response.body())) ? ""
							: response.statusCode() + " " + abbreviate(response.body()))
					.onErrorResume((ex) -> Mono.just(ex.toString()));
			}), MAX_IN_FLIGHT)
			.doFinally((signal) -> this.finished.countDown())
			.subscribe(this::count);
	}

	static SteadyLoad start(URI uri, String cookies, Predicate<String> expected, int perSecond) {
		HttpRequest request = HttpRequest.newBuilder(uri)
			.header("Cookie", cookies)
			.timeout(Duration.ofSeconds(10))
			.GET()
			.build();
		return new SteadyLoad(request, expected, perSecond);
	}

	private void count(String failure) {
		this.answered.incrementAndGet();
		if (!failure.isEmpty()) {
			this.failed.incrementAndGet();
			if (this.failures.size() < 10) {
				this.failures.add(failure);
			}
		}
	}

	/** Stops sending, waits for the answers still on their way, and reports. */
	Report stop() {
		this.stopSignal.tryEmitEmpty();
		try {
			if (!this.finished.await(15, TimeUnit.SECONDS)) {
				throw new IllegalStateException("requests still unanswered 15 s after the loop stopped");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		double seconds = (System.nanoTime() - this.startedNanos) / 1e9;
		long[] latencies = this.latencyNanos.stream().mapToLong(Long::longValue).sorted().toArray();
		return new Report(this.answered.get(), this.failed.get(), this.answered.get() / seconds, seconds,
				String.join(" | ", this.failures), percentileMillis(latencies, 50), percentileMillis(latencies, 99));
	}

	/** The nearest-rank percentile of sorted latencies, in milliseconds; NaN for none. */
	static double percentileMillis(long[] sortedNanos, int percentile) {
		if (sortedNanos.length == 0) {
			return Double.NaN;
		}
		int rank = (int) Math.ceil(percentile / 100.0 * sortedNanos.length);
		return sortedNanos[Math.max(rank, 1) - 1] / 1e6;
	}

	@Override
	public void close() {
		this.loop.dispose();
	}

	private static String abbreviate(String body) {
		String line = body.replaceAll("\\s+", " ");
		return (line.length() > 160) ? line.substring(0, 160) + "..." : line;
	}

	/**
	 * What the loop saw.
	 *
	 * @param answered requests answered (or timed out)
	 * @param failed of those, the ones that were not the expected answer
	 * @param perSecond answered requests per second
	 * @param seconds how long the loop ran
	 * @param failures the first few failures
	 * @param p50Millis the median time from send to answer, of the answers that came
	 * @param p99Millis the 99th percentile of it
	 */
	record Report(int answered, int failed, double perSecond, double seconds, String failures, double p50Millis,
			double p99Millis) {

	}

}
