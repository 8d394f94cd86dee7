package dev.gefyra.oauth2demo.e2e;

import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The journey's latency figures: nearest-rank percentiles of what {@link SteadyLoad}
 * timed.
 */
class SteadyLoadTests {

	@Test
	void percentilesShouldBeTheNearestRankOfTheSortedLatencies() {
		long[] oneToHundredMillis = LongStream.rangeClosed(1, 100).map((millis) -> millis * 1_000_000).toArray();
		assertThat(SteadyLoad.percentileMillis(oneToHundredMillis, 50)).isEqualTo(50.0);
		assertThat(SteadyLoad.percentileMillis(oneToHundredMillis, 99)).isEqualTo(99.0);
		assertThat(SteadyLoad.percentileMillis(new long[] { 7_500_000 }, 99)).isEqualTo(7.5);
	}

	@Test
	void noLatenciesShouldGiveNoFigure() {
		assertThat(SteadyLoad.percentileMillis(new long[0], 50)).isNaN();
	}

}
