package io.branchline.routing;

import io.branchline.core.Region;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;

/**
 * One region as the plan compiler sees it: a consistent, immutable copy of what the router knows, taken when plans
 * are rebuilt.
 *
 * @param index the region's position in configuration order
 * @param region the region
 * @param scoreNanos the distance that ranks it ({@link LatencyEstimate#score()}); NaN when not measured yet
 * @param breaker its circuit's state
 * @param openUntilMillis when the circuit's open time ends (meaningful while open)
 * @param health its health
 * @param healthReason why, for plans' unavailable reasons
 * @param throttledUntilMillis when its throttle ends; {@link Long#MIN_VALUE} when never throttled
 * @param recoveredAtMillis when it last came back after being out; {@link Long#MIN_VALUE} when not recovering
 * @param hedgeNanos its hedge latency percentile; -1 when unknown
 * @param warmingUntilMillis until when it counts as warming up (a cold-start mark); {@link Long#MIN_VALUE} when not
 */
record RegionView(int index, Region region, double scoreNanos, BreakerState breaker, long openUntilMillis,
    RegionHealth health, String healthReason, long throttledUntilMillis, long recoveredAtMillis, long hedgeNanos,
    long warmingUntilMillis) {

    RegionView(int index, Region region, double scoreNanos, BreakerState breaker, long openUntilMillis,
        RegionHealth health, String healthReason, long throttledUntilMillis, long recoveredAtMillis, long hedgeNanos) {
        this(index, region, scoreNanos, breaker, openUntilMillis, health, healthReason, throttledUntilMillis,
            recoveredAtMillis, hedgeNanos, Long.MIN_VALUE);
    }

    String name() {
        return region.name();
    }

    boolean measured() {
        return !Double.isNaN(scoreNanos);
    }
}
