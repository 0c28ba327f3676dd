package io.branchline.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hedge delay's percentile is the reservoir's nearest-rank percentile, whichever way it is computed. */
class LatencyEstimateTest {

    @ParameterizedTest(name = "p{0}")
    @ValueSource(doubles = {0.5, 0.75, 0.9, 0.95, 0.99, 1.0})
    void hedgeLatencyIsTheNearestRankPercentileOfTheLatestSamples(double percentile) {
        SplittableRandom random = new SplittableRandom(42);
        LatencyEstimate estimate = new LatencyEstimate(percentile);
        long[] recent = new long[LatencyEstimate.RESERVOIR];
        for (int n = 0; n < 400; n++) {
            // mostly 5-6 ms with a slow tail, and runs of equal values
            long nanos = random.nextInt(10) == 0 ? 40_000_000L + random.nextInt(1_000_000)
                : 5_000_000L + random.nextInt(4) * 250_000L;
            estimate.record(nanos);
            recent[n % recent.length] = nanos;
            int count = Math.min(n + 1, recent.length);
            if (n < recent.length || n % 4 == 0) { // recomputed on each of the first samples, then every 4th
                assertEquals(nearestRank(recent, count, percentile), estimate.hedgeNanos(), "after " + (n + 1));
            }
        }
    }

    private static long nearestRank(long[] samples, int count, double percentile) {
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        int i = (int) Math.ceil(percentile * count) - 1;
        return sorted[Math.max(0, Math.min(count - 1, i))];
    }
}
