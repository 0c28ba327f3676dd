package io.branchline.routing;

import io.branchline.core.RoutePlan;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The router's precomputed decision: one or a few immutable plans with cumulative weights, valid until a known
 * instant (a throttle or an open circuit ending, a slow-start step). Taking a plan reads fields and, when there are
 * several plans, draws one random number: no lock, no allocation.
 */
final class Snapshot {
    static final Snapshot EMPTY = new Snapshot(new RoutePlan[] {RoutePlan.empty()}, new int[] {1}, Long.MIN_VALUE,
        false, new RegionState[0]);

    final RoutePlan[] plans;
    final int[] cumulative;
    final long validUntilMillis;
    final boolean panic;
    /** Every region in rank order (best first), for the cheap reorder check. */
    final RegionState[] rank;

    Snapshot(RoutePlan[] plans, int[] cumulative, long validUntilMillis, boolean panic, RegionState[] rank) {
        this.plans = plans;
        this.cumulative = cumulative;
        this.validUntilMillis = validUntilMillis;
        this.panic = panic;
        this.rank = rank;
    }

    RoutePlan pick() {
        RoutePlan[] p = plans;
        if (p.length == 1) {
            return p[0];
        }
        int[] c = cumulative;
        int r = ThreadLocalRandom.current().nextInt(c[c.length - 1]);
        for (int i = 0; i < c.length; i++) {
            if (r < c[i]) {
                return p[i];
            }
        }
        return p[p.length - 1];
    }

    /** The plan every call would get without randomness: the first one. */
    RoutePlan primary() {
        return plans[0];
    }
}
