package io.branchline.routing;

import io.branchline.core.Region;
import io.branchline.core.models.RegionHealth;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the router knows about one region besides its breaker ({@link RegionBreaker}) and distance
 * ({@link LatencyEstimate}): health, probe streaks, throttling, attempts in flight and failback progress.
 *
 * <p>Concurrency: every field is volatile or atomic and readable without a lock. Compound updates (health with its
 * reason, probe streaks, the throttle) are made under {@code this}; the failback fields {@link #wasOut} and
 * {@link #recoveredAtMillis} are written only while plans are rebuilt, under the router's rebuild lock.
 */
final class RegionState {
    final Region region;
    final int index;
    final LatencyEstimate latency;
    final RegionBreaker breaker;

    final AtomicInteger inFlight = new AtomicInteger();
    /** Attempts admitted in panic although the circuit refused them. */
    final AtomicInteger panicAdmissions = new AtomicInteger();
    /** A probe of this region is on the wire (probes never overlap). */
    final AtomicBoolean probing = new AtomicBoolean();
    volatile ScheduledFuture<?> probeTask;

    volatile RegionHealth health = RegionHealth.UNKNOWN;
    volatile String healthReason = "not probed yet";
    volatile int probeFailuresInRow;
    volatile int probePassesInRow;
    volatile int throttlesInRow;
    volatile long throttledUntilMillis = Long.MIN_VALUE;

    /** When the first probe passed while the region was out; the failback dwell counts from here. */
    volatile long firstPassAtMillis = Long.MIN_VALUE;
    /** When the region last came back after being out (unhealthy or circuit not closed). */
    volatile long recoveredAtMillis = Long.MIN_VALUE;
    /** Whether it was out at the last rebuild. */
    volatile boolean wasOut;
    /** The branch's own link was down: the next success restores the region at once. */
    volatile boolean restoreOnNextSuccess;
    /** Set when a link recovery restored the region: no failback dwell, no slow start. */
    volatile boolean skipDwell;
    /**
     * Until when the region counts as warming up: a call's answer or a probe was marked cold (the
     * {@code x-branchline-cold-start} header) less than {@link #WARMING_MILLIS} ago.
     */
    volatile long warmingUntilMillis = Long.MIN_VALUE;
    /** When a hedge that overtook this region last asked for a probe of it. */
    volatile long lastProbeSoonMillis = Long.MIN_VALUE / 2;

    /** How long a cold mark makes a region count as warming: {@value} ms. */
    static final long WARMING_MILLIS = 30_000;

    RegionState(Region region, int index, LatencyEstimate latency, RegionBreaker breaker) {
        this.region = region;
        this.index = index;
        this.latency = latency;
        this.breaker = breaker;
    }

    String name() {
        return region.name();
    }

    /**
     * Takes the view the plan compiler needs, noting when the region came back from being out. Called while plans
     * are rebuilt, under the rebuild lock.
     */
    RegionView view(long now) {
        boolean in = health != RegionHealth.UNHEALTHY && breaker.isClosed();
        if (in && wasOut) {
            long firstPass = firstPassAtMillis;
            recoveredAtMillis = skipDwell ? Long.MIN_VALUE
                : firstPass != Long.MIN_VALUE ? Math.min(now, firstPass) : now;
            firstPassAtMillis = Long.MIN_VALUE;
        }
        if (in) {
            skipDwell = false;
        }
        wasOut = !in;
        return new RegionView(index, region, latency.score(), breaker.state(), breaker.openUntilMillis(), health,
            healthReason, throttledUntilMillis, recoveredAtMillis, latency.hedgeNanos(), warmingUntilMillis);
    }

    /**
     * The region said one of its instances is cold.
     *
     * @return whether it was not warming before (the plans must change)
     */
    boolean warming(long nowMillis) {
        long before = warmingUntilMillis;
        long until = nowMillis + WARMING_MILLIS;
        if (until > before) {
            warmingUntilMillis = until;
        }
        return before <= nowMillis;
    }

    /**
     * Whether a slow or timed-out call is to be blamed on an instance warming up rather than on the region: the
     * region marked an answer cold recently and its probes pass.
     */
    boolean warmingAndHealthy(long nowMillis) {
        return nowMillis < warmingUntilMillis && health == RegionHealth.HEALTHY;
    }

    /** A throttle (429, or Retry-After) until {@code untilMillis}; returns whether it moved the end later. */
    synchronized boolean throttle(long untilMillis) {
        throttlesInRow++;
        if (untilMillis > throttledUntilMillis) {
            throttledUntilMillis = untilMillis;
            return true;
        }
        return false;
    }
}
