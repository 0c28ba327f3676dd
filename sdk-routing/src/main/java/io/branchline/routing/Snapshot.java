package io.branchline.routing;

import io.branchline.core.RoutePlan;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The router's precomputed decision: one or a few immutable plans with cumulative weights, valid until a known
 * instant (a throttle or an open circuit ending, a slow-start step) or, without one, until an event marks them dirty. Taking a plan reads fields and, when there are
 * several plans, draws one random number: no lock, no allocation. Immutable (its arrays are never written after
 * construction).
 */
final class Snapshot {
    /** {@link #validUntilMillis} of plans that only an event (not the passing of time) can change. */
    static final long UNBOUNDED = Long.MAX_VALUE;
    static final Snapshot EMPTY = new Snapshot(new RoutePlan[] {RoutePlan.empty()}, new long[] {1}, Long.MIN_VALUE,
        false, new int[0], new long[0]);

    final RoutePlan[] plans;
    final long[] cumulative;
    final long validUntilMillis;
    final boolean panic;
    /** Every region's index in rank order (best first), for the cheap reorder check. */
    final int[] rank;
    /** By region index: the hedge latency the plans were compiled with, to notice when it has moved. */
    final long[] hedgeBasisNanos;

    Snapshot(RoutePlan[] plans, long[] cumulative, long validUntilMillis, boolean panic, int[] rank,
        long[] hedgeBasisNanos) {
        this.plans = plans;
        this.cumulative = cumulative;
        this.validUntilMillis = validUntilMillis;
        this.panic = panic;
        this.rank = rank;
        this.hedgeBasisNanos = hedgeBasisNanos;
    }

    /**
     * Whether time has run past these plans. The clock is read only when they hold a deadline (a throttle, an open
     * circuit, a dwell, a ramp step): the steady state pays no clock read per call.
     */
    boolean expired(java.time.Clock clock) {
        return validUntilMillis != UNBOUNDED && clock.millis() >= validUntilMillis;
    }

    RoutePlan pick() {
        RoutePlan[] p = plans;
        if (p.length == 1) {
            return p[0];
        }
        long[] c = cumulative;
        long r = ThreadLocalRandom.current().nextLong(c[c.length - 1]);
        for (int i = 0; i < c.length; i++) {
            if (r < c[i]) {
                return p[i];
            }
        }
        return p[p.length - 1];
    }
}
