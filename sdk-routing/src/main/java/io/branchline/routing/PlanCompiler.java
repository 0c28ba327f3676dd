package io.branchline.routing;

import io.branchline.core.Region;
import io.branchline.core.RoutePlan;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where routing is decided: region views + the time + the configuration in, a {@link Snapshot} of plans out.
 * A pure function: no threads, no clock, no locks, no state of its own; a test can call it with any table of
 * regions and read the plans.
 *
 * <p>Rules, in order: rank by distance with hysteresis (a challenger must beat the leader by both margins); leave
 * out regions whose circuit waits out its open time, that are unhealthy or throttled (each with its reason); put
 * circuits due for a trial, and regions recovering within the failback dwell, last; pinned regions first, then the
 * strategy's order; during slow start split traffic between two plans; when nothing is left, panic (try every
 * region not throttled) unless panic is off. The operator's control ({@link RouterConfig#control}) comes first:
 * excluded regions are left out even in panic, its pins and weights replace the built ones, hedging off drops the
 * hedge delay, an attempt limit goes into every plan, and a canary splits each plan whose first region has a
 * deployment slot into the plan itself and the same plan with that slot first.
 */
final class PlanCompiler {
    /** How often plans are rebuilt anyway (a timer marks them dirty), to pick up slow changes: 5 s. */
    static final long REFRESH_MILLIS = 5_000;
    /** A recovered region's share of traffic when its slow start begins. */
    static final double RAMP_START = 0.1;
    /**
     * A warming region's share of first attempts: its cold instances answer slowly and each such call needs a hedge,
     * which the retry budget bounds; the other calls start at the next region. It keeps its rank (no re-ranking).
     */
    static final double WARMING_SHARE = 0.1;

    private PlanCompiler() {
    }

    /**
     * Whether a challenger takes the lead: it must be measured, and faster than a measured leader by both margins.
     */
    static boolean beats(double challengerNanos, double leaderNanos, double ratio, long minNanos) {
        if (Double.isNaN(challengerNanos)) {
            return false;
        }
        if (Double.isNaN(leaderNanos)) {
            return true;
        }
        return challengerNanos < leaderNanos * (1 - ratio) && leaderNanos - challengerNanos > minNanos;
    }

    /**
     * The one failback formula, for plans and status alike: a recovered region's share of traffic. Zero during the
     * dwell, then rising from {@value #RAMP_START} to 1 over the slow start.
     *
     * @param recoveredAtMillis when it came back; {@link Long#MIN_VALUE} when it is not recovering (full share)
     */
    static double failbackShare(long recoveredAtMillis, long now, long dwellMillis, long slowStartMillis) {
        if (recoveredAtMillis == Long.MIN_VALUE) {
            return 1.0;
        }
        long dwellEnd = recoveredAtMillis + dwellMillis;
        if (now < dwellEnd) {
            return 0.0;
        }
        if (slowStartMillis == 0 || now >= dwellEnd + slowStartMillis) {
            return 1.0;
        }
        return RAMP_START + (1 - RAMP_START) * (now - dwellEnd) / (double) slowStartMillis;
    }

    /**
     * Compiles the plans.
     *
     * @param previousRank the regions in the previous rank order, best first (configuration order sorted by
     *     priority at start)
     * @param hysteresis whether the hysteresis margins apply (not while the first ranking is being measured)
     */
    static Snapshot compile(RegionView[] previousRank, long now, RouterConfig cfg, Duration hedgeFloor,
        Duration hedgeCeiling, boolean hysteresis) {
        return compile(previousRank, now, cfg, java.util.Set.of(), hedgeFloor, hedgeCeiling, hysteresis);
    }

    /**
     * Compiles the plans.
     *
     * @param slotsOut regions whose deployment slot's circuit is open: no canary to them
     */
    static Snapshot compile(RegionView[] previousRank, long now, RouterConfig cfg, java.util.Set<String> slotsOut,
        Duration hedgeFloor, Duration hedgeCeiling, boolean hysteresis) {
        RegionView[] rank = previousRank.clone();
        double ratio = hysteresis ? cfg.hysteresisRatio : 0.0;
        long min = hysteresis ? cfg.hysteresisMinNanos : 0L;
        boolean swapped = true;
        while (swapped) {
            swapped = false;
            for (int i = 0; i + 1 < rank.length; i++) {
                if (beats(rank[i + 1].scoreNanos(), rank[i].scoreNanos(), ratio, min)) {
                    RegionView t = rank[i];
                    rank[i] = rank[i + 1];
                    rank[i + 1] = t;
                    swapped = true;
                }
            }
        }
        List<RegionView> available = new ArrayList<>();
        List<RegionView> lastResorts = new ArrayList<>();
        List<RegionView> throttled = new ArrayList<>();
        Map<String, String> out = new LinkedHashMap<>();
        // why each region stands where it does: {code, sentence}, shared by every plan of this snapshot
        Map<String, String[]> why = new HashMap<>();
        double[] share = new double[rank.length];
        long validUntil = Snapshot.UNBOUNDED; // slow changes: RouterParts marks the plans dirty every REFRESH_MILLIS
        long retryAt = Long.MAX_VALUE;
        Control control = cfg.control;
        for (RegionView v : rank) {
            share[v.index()] = 1.0;
            if (control.excluded.contains(v.name())) {
                out.put(v.name(), "excluded by control (" + control.source + ")");
                why.put(v.name(), new String[] {"excluded-by-control", out.get(v.name())});
                continue;
            }
            boolean open = v.breaker() == BreakerState.OPEN;
            boolean waitingOutOpenTime = open && now < v.openUntilMillis();
            if (waitingOutOpenTime) {
                out.put(v.name(), "circuit open until " + Instant.ofEpochMilli(v.openUntilMillis()));
                why.put(v.name(), new String[] {"breaker-open", out.get(v.name())});
                validUntil = Math.min(validUntil, v.openUntilMillis());
                continue;
            }
            if (v.health() == RegionHealth.UNHEALTHY) {
                out.put(v.name(), "unhealthy: " + v.healthReason());
                why.put(v.name(), new String[] {"unhealthy", out.get(v.name())});
                continue;
            }
            if (now < v.throttledUntilMillis()) {
                out.put(v.name(), "throttled until " + Instant.ofEpochMilli(v.throttledUntilMillis())
                    + " (429 or Retry-After)");
                why.put(v.name(), new String[] {"throttled", out.get(v.name())});
                retryAt = Math.min(retryAt, v.throttledUntilMillis());
                validUntil = Math.min(validUntil, v.throttledUntilMillis());
                throttled.add(v);
                continue;
            }
            if (open || v.breaker() == BreakerState.HALF_OPEN) { // due for a trial
                (cfg.probing() ? lastResorts : available).add(v);
                why.put(v.name(), new String[] {"trial", "circuit " + v.breaker() + ", due for a trial call"
                    + (cfg.probing() ? ": tried after the regions that are in" : "")});
                continue;
            }
            double s = failbackShare(v.recoveredAtMillis(), now, cfg.dwellMillis, cfg.slowStartMillis);
            if (s == 0.0) {
                lastResorts.add(v);
                why.put(v.name(), new String[] {"failback-dwell", "back since "
                    + Instant.ofEpochMilli(v.recoveredAtMillis()) + ": tried last until the failback dwell ends at "
                    + Instant.ofEpochMilli(v.recoveredAtMillis() + cfg.dwellMillis)});
                validUntil = Math.min(validUntil, v.recoveredAtMillis() + cfg.dwellMillis);
                continue;
            }
            boolean warming = now < v.warmingUntilMillis() && v.health() == RegionHealth.HEALTHY;
            if (warming && s > WARMING_SHARE) {
                s = WARMING_SHARE;
                why.put(v.name(), new String[] {"warming", "its instances are warming up (cold-start mark, probes pass):"
                    + " first for " + Math.round(s * 100) + " % of calls, the rest start at the next region"});
                validUntil = Math.min(validUntil, v.warmingUntilMillis());
            }
            if (s < 1.0) {
                share[v.index()] = s;
                why.putIfAbsent(v.name(), new String[] {"ramping", "slow start after recovery: first for "
                    + Math.round(s * 100) + " % of calls"});
                validUntil = Math.min(validUntil, now + Math.max(50, cfg.slowStartMillis / 10));
            }
            available.add(v);
        }
        if (cfg.strategy == RoutingStrategy.PRIORITY) {
            available.sort(Comparator.comparingInt(v -> v.region().priority()));
        }
        List<RegionView> pinned = new ArrayList<>();
        for (String p : cfg.pins) {
            for (RegionView v : available) {
                if (v.name().equals(p)) {
                    pinned.add(v);
                    break;
                }
            }
        }
        available.removeAll(pinned);
        PlanReasons.explainOrder(available, pinned, why, cfg, control);
        List<RegionView> ordered = new ArrayList<>(pinned);
        ordered.addAll(available);
        ordered.addAll(lastResorts);
        Instant retry = retryAt == Long.MAX_VALUE ? null : Instant.ofEpochMilli(retryAt);
        long floor = hedgeFloor.toNanos();
        long ceiling = hedgeCeiling.toNanos();

        RoutePlan[] plans;
        long[] cumulative;
        boolean panic = false;
        if (ordered.isEmpty()) {
            List<RegionView> all = new ArrayList<>();
            for (RegionView v : rank) {
                if (!throttled.contains(v) && !control.excluded.contains(v.name())) {
                    all.add(v);
                }
            }
            RoutePlan.Builder b = RoutePlan.builder().retryAt(retry).maxAttempts(control.maxAttempts);
            if (cfg.panic && !all.isEmpty()) {
                panic = true;
                for (RegionView v : rank) {
                    if (throttled.contains(v) || control.excluded.contains(v.name())) {
                        b.unavailable(v.name(), out.get(v.name()));
                    }
                }
                b.regions(regionsOf(all)).panic(true)
                    .hedgeDelay(hedging(control) ? hedgeDelay(all.get(0), floor, ceiling) : null);
                for (RegionView v : all) {
                    String[] w = why.get(v.name());
                    b.explain(v.name(), PlanReasons.score(v), "panic", "every region was out, tried anyway"
                        + (w == null ? "" : " (" + w[1] + ")"));
                }
                for (RegionView v : rank) {
                    if (throttled.contains(v) || control.excluded.contains(v.name())) {
                        PlanReasons.explain(b, v, why);
                    }
                }
            } else {
                out.forEach(b::unavailable);
                for (RegionView v : rank) {
                    PlanReasons.explain(b, v, why);
                }
            }
            plans = new RoutePlan[] {b.build()};
            cumulative = new long[] {1};
        } else if (cfg.strategy == RoutingStrategy.WEIGHTED && pinned.isEmpty() && available.size() > 1) {
            plans = new RoutePlan[available.size()];
            cumulative = new long[available.size()];
            long total = 0;
            for (int i = 0; i < available.size(); i++) {
                RegionView first = available.get(i);
                List<RegionView> order = new ArrayList<>(ordered.size());
                order.add(first);
                for (RegionView v : ordered) {
                    if (v != first) {
                        order.add(v);
                    }
                }
                plans[i] = plan(order, out, retry, floor, ceiling, control, why, rank);
                total += Math.max(1, Math.round(cfg.weight(first.region()) * share[first.index()] * 100));
                cumulative[i] = total;
            }
        } else {
            RegionView first = ordered.get(0);
            double f = share[first.index()];
            if (f < 1.0 && ordered.size() > 1 && !pinned.contains(first)) {
                List<RegionView> second = new ArrayList<>(ordered);
                Collections.swap(second, 0, 1);
                plans = new RoutePlan[] {plan(ordered, out, retry, floor, ceiling, control, why, rank),
                    plan(second, out, retry, floor, ceiling, control, why, rank)};
                long a = Math.max(1, Math.round(f * 1000));
                cumulative = new long[] {a, Math.max(a + 1, 1000)};
            } else {
                plans = new RoutePlan[] {plan(ordered, out, retry, floor, ceiling, control, why, rank)};
                cumulative = new long[] {1};
            }
        }
        if (control.canaryBasisPoints > 0 && !panic) {
            Canary c = canary(plans, cumulative, control, cfg.branchId, slotsOut);
            plans = c.plans;
            cumulative = c.cumulative;
        }
        int[] rankIndexes = new int[rank.length];
        long[] hedgeBasis = new long[rank.length];
        for (int i = 0; i < rank.length; i++) {
            rankIndexes[i] = rank[i].index();
            hedgeBasis[rank[i].index()] = rank[i].hedgeNanos();
        }
        return new Snapshot(plans, cumulative, validUntil, panic, rankIndexes, hedgeBasis);
    }

    /** The hedge delay of a plan whose first region has this hedge latency: within the client's bounds. */
    static Duration hedgeDelay(long hedgeNanos, long floorNanos, long ceilingNanos) {
        if (hedgeNanos < 0) {
            return Duration.ofNanos(ceilingNanos);
        }
        return Duration.ofNanos(Math.max(floorNanos, Math.min(ceilingNanos, hedgeNanos)));
    }

    private static Duration hedgeDelay(RegionView first, long floor, long ceiling) {
        return hedgeDelay(first.hedgeNanos(), floor, ceiling);
    }

    private static RoutePlan plan(List<RegionView> order, Map<String, String> out, Instant retry, long floor,
        long ceiling, Control control, Map<String, String[]> why, RegionView[] rank) {
        RoutePlan.Builder b = RoutePlan.builder().regions(regionsOf(order)).retryAt(retry)
            .hedgeDelay(hedging(control) ? hedgeDelay(order.get(0), floor, ceiling) : null)
            .maxAttempts(control.maxAttempts);
        out.forEach(b::unavailable);
        for (RegionView v : rank) {
            PlanReasons.explain(b, v, why);
        }
        return b.build();
    }

    private static boolean hedging(Control control) {
        return !Boolean.FALSE.equals(control.hedgeReads);
    }

    private record Canary(RoutePlan[] plans, long[] cumulative) {
    }

    /**
     * The canary: each plan whose first region has a deployment slot (not out) gets a twin with the slot first and
     * the region's production app right after it, so a failed canary attempt moves to production in the same
     * region first. Per call, the twin takes the canary's share of the plan's weight; per branch, this branch takes
     * the twins for every call or never.
     */
    private static Canary canary(RoutePlan[] plans, long[] cumulative, Control control, String branchId,
        java.util.Set<String> slotsOut) {
        long bp = control.canaryBasisPoints;
        if (control.canaryByBranch) {
            if (!Control.branchInCanary(branchId, (int) bp)) {
                return new Canary(plans, cumulative);
            }
            RoutePlan[] twins = plans.clone();
            for (int i = 0; i < twins.length; i++) {
                RoutePlan t = twin(plans[i], slotsOut);
                twins[i] = t != null ? t : plans[i];
            }
            return new Canary(twins, cumulative);
        }
        List<RoutePlan> p = new ArrayList<>(plans.length * 2);
        List<Long> c = new ArrayList<>(plans.length * 2);
        long total = 0;
        for (int i = 0; i < plans.length; i++) {
            long w = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
            RoutePlan t = twin(plans[i], slotsOut);
            if (t == null) {
                total += w * 10_000;
                p.add(plans[i]);
                c.add(total);
                continue;
            }
            if (bp < 10_000) {
                total += w * (10_000 - bp);
                p.add(plans[i]);
                c.add(total);
            }
            total += w * bp;
            p.add(t);
            c.add(total);
        }
        long[] cum = new long[c.size()];
        for (int i = 0; i < cum.length; i++) {
            cum[i] = c.get(i);
        }
        return new Canary(p.toArray(new RoutePlan[0]), cum);
    }

    /** The plan with its first region's deployment slot in front; {@code null} when it has none or it is out. */
    private static RoutePlan twin(RoutePlan plan, java.util.Set<String> slotsOut) {
        if (plan.regions().isEmpty()) {
            return null;
        }
        Region first = plan.regions().get(0);
        if (first.slot() == null || slotsOut.contains(first.name())) {
            return null;
        }
        List<Region> regions = new ArrayList<>(plan.regions().size() + 1);
        regions.add(first.slot());
        regions.addAll(plan.regions());
        RoutePlan.Builder b = RoutePlan.builder().regions(regions).hedgeDelay(plan.hedgeDelay())
            .retryAt(plan.retryAt()).maxAttempts(plan.maxAttempts());
        plan.unavailable().forEach(b::unavailable);
        plan.explained().forEach((name, c) -> b.explain(name, c.score(), c.reason(), c.detail()));
        b.explain(first.slot().name(), null, "canary", "canary: the deployment slot of " + first.name()
            + ", which the plan put first; a failed canary attempt moves to its production app next");
        return b.build();
    }

    private static List<Region> regionsOf(List<RegionView> views) {
        List<Region> out = new ArrayList<>(views.size());
        for (RegionView v : views) {
            out.add(v.region());
        }
        return out;
    }
}
