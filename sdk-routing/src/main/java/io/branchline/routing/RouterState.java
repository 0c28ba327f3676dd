package io.branchline.routing;

import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.core.RoutePlan;
import io.branchline.core.RouterContext;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;
import io.branchline.core.models.RegionStatus;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The regions' state and the current {@link Snapshot} of plans, and the one place plans are rebuilt.
 *
 * <p>Concurrency: anything may mark the plans {@link #dirty}; whoever next sees it rebuilds under {@link #lock}
 * if the lock is free (callers never wait for it), and publishes the new snapshot through a volatile field. The
 * rank order is read and written only under the lock. Health changes and breaker transitions are reported to the
 * client's listener on the thread that made them.
 */
final class RouterState {
    private static final ClientLogger LOGGER = new ClientLogger(RouterState.class);

    /** The config as built, overlaid with the operator's control; swapped whole when the control changes. */
    volatile RouterConfig cfg;
    final RouterContext context;
    final Clock clock;
    final RegionState[] regions;
    private final Map<String, RegionState> byName;
    /** By region name: the circuit of the region's deployment slot, for canary calls; apart from production's. */
    private final Map<String, RegionBreaker> slots = new HashMap<>();
    final ReentrantLock lock = new ReentrantLock();
    private final long hedgeFloorNanos;
    private final long hedgeCeilingNanos;

    volatile Snapshot snapshot = Snapshot.EMPTY;
    volatile boolean dirty = true;
    /** False while the first ranking is measured: no hysteresis, nothing saved. */
    volatile boolean rankingSettled;
    /** Runs after each rebuild, under the lock (saving the last-known-good file). */
    volatile Runnable afterRebuild = () -> { };
    /** Guarded by {@link #lock}: the regions in rank order, best first. */
    private RegionState[] rank;
    private final BooleanSupplier linkDown;

    RouterState(RouterConfig cfg, RouterContext context, BooleanSupplier linkDown) {
        this.linkDown = linkDown;
        this.cfg = cfg;
        this.context = context;
        this.clock = context.clock();
        this.hedgeFloorNanos = context.failoverOptions().hedgeFloor().toNanos();
        this.hedgeCeilingNanos = context.failoverOptions().hedgeCeiling().toNanos();
        List<Region> list = context.regions();
        this.regions = new RegionState[list.size()];
        this.byName = new HashMap<>();
        for (int i = 0; i < regions.length; i++) {
            Region r = list.get(i);
            RegionBreaker breaker = new RegionBreaker(r.name(), cfg.breaker, clock, linkDown,
                this::breakerChanged);
            regions[i] = new RegionState(r, i, new LatencyEstimate(cfg.hedgePercentile), breaker);
            byName.put(r.name(), regions[i]);
            if (r.slot() != null) {
                slots.put(r.name(), new RegionBreaker(r.name() + " (slot " + r.slot().slotName() + ")", cfg.breaker,
                    clock, () -> false, this::slotBreakerChanged));
            }
        }
        RegionState[] r = regions.clone();
        Arrays.sort(r, Comparator.comparingInt((RegionState x) -> x.region.priority()).thenComparingInt(x -> x.index));
        this.rank = r;
    }

    RegionState get(String name) {
        return byName.get(name);
    }

    /** The circuit of a region's deployment slot, or {@code null} when it has none. */
    RegionBreaker slot(String region) {
        return slots.get(region);
    }

    /** Regions whose slot's circuit waits out its open time: the canary skips them. */
    private java.util.Set<String> slotsOpen() {
        if (slots.isEmpty()) {
            return java.util.Set.of();
        }
        long now = clock.millis();
        java.util.Set<String> out = new java.util.HashSet<>();
        slots.forEach((name, b) -> {
            if (b.state() == BreakerState.OPEN && now < b.openUntilMillis()) {
                out.add(name);
            }
        });
        return out;
    }

    private void slotBreakerChanged(RegionBreaker breaker, BreakerState from, BreakerState to) {
        dirty = true;
        // Not a region event: the production app's circuit and health are untouched by its slot.
        LOGGER.atInfo().addKeyValue("slot", breaker.region).addKeyValue("from", String.valueOf(from))
            .addKeyValue("to", String.valueOf(to)).log(to == BreakerState.OPEN
                ? "canary slot circuit opened: canary calls go to production until it closes"
                : "canary slot circuit changed");
    }

    /** Guarded by {@link #lock}. */
    RegionState[] rank() {
        return rank;
    }

    /** Guarded by {@link #lock}. */
    void rank(RegionState[] order) {
        this.rank = order;
    }

    void maybeRebuild() {
        if ((dirty || snapshot.expired(clock)) && lock.tryLock()) {
            try {
                if (dirty || snapshot.expired(clock)) {
                    rebuild();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Recomputes the plans. Holds {@link #lock}. */
    void rebuild() {
        dirty = false;
        long now = clock.millis();
        RegionView[] views = new RegionView[rank.length];
        for (int i = 0; i < rank.length; i++) {
            views[i] = rank[i].view(now);
        }
        Snapshot s = PlanCompiler.compile(views, now, cfg, slotsOpen(), context.failoverOptions().hedgeFloor(),
            context.failoverOptions().hedgeCeiling(), rankingSettled);
        RegionState[] order = new RegionState[s.rank.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = regions[s.rank[i]];
        }
        rank = order;
        snapshot = s;
        afterRebuild.run();
    }

    /**
     * After a latency update: would the ranking change, or has the hedge latency of the region moved more than a
     * tenth from what the plans use? Cheap and allocation-free: it runs after every attempt.
     */
    void checkPlans(RegionState changed) {
        Snapshot s = snapshot;
        int[] r = s.rank;
        double ratio = rankingSettled ? cfg.hysteresisRatio : 0.0;
        long min = rankingSettled ? cfg.hysteresisMinNanos : 0L;
        for (int i = 0; i + 1 < r.length; i++) {
            if (PlanCompiler.beats(regions[r[i + 1]].latency.score(), regions[r[i]].latency.score(), ratio, min)) {
                dirty = true;
                return;
            }
        }
        if (changed.index < s.hedgeBasisNanos.length) {
            long basis = clampHedge(s.hedgeBasisNanos[changed.index]);
            long now = clampHedge(changed.latency.hedgeNanos());
            if (Math.abs(now - basis) * 10 > basis) {
                dirty = true;
            }
        }
    }

    private long clampHedge(long nanos) {
        return nanos < 0 ? hedgeCeilingNanos : Math.max(hedgeFloorNanos, Math.min(hedgeCeilingNanos, nanos));
    }

    /** A plan for a request naming preferred or excluded regions; the hedge follows a new first region. */
    RoutePlan forRequest(RoutePlan base, FunctionRequest request) {
        RoutePlan p = base.forRequest(request);
        if (!p.regions().isEmpty() && (base.regions().isEmpty() || !p.regions().get(0).equals(base.regions().get(0)))) {
            RegionState first = get(p.regions().get(0).name());
            if (first != null) {
                p = p.withHedgeDelay(Duration.ofNanos(clampHedge(first.latency.hedgeNanos())));
            }
        }
        return p;
    }

    /** What is known about each region now, in configuration order. */
    List<RegionStatus> status() {
        long now = clock.millis();
        RouterConfig cfg = this.cfg;
        boolean down = linkDown.getAsBoolean();
        List<RegionStatus> out = new ArrayList<>(regions.length);
        for (RegionState s : regions) {
            BreakerState breaker = s.breaker.state();
            RegionHealth health = s.health;
            if (!cfg.probing() && breaker == BreakerState.OPEN) {
                health = RegionHealth.UNHEALTHY;
            }
            boolean in = health != RegionHealth.UNHEALTHY && breaker == BreakerState.CLOSED;
            double share = in ? PlanCompiler.failbackShare(s.recoveredAtMillis, now, cfg.dwellMillis,
                cfg.slowStartMillis) : 0.0;
            Duration latency = s.latency.measured() ? Duration.ofNanos((long) s.latency.score()) : null;
            Instant throttledUntil = now < s.throttledUntilMillis ? Instant.ofEpochMilli(s.throttledUntilMillis) : null;
            if (cfg.control.excluded.contains(s.name())) {
                share = 0.0;
            }
            out.add(new RegionStatus(s.name(), health, breaker, latency, throttledUntil, share,
                Math.max(0, s.inFlight.get()), cfg.control.describe(s.region), down));
        }
        return out;
    }

    void setHealth(RegionState s, RegionHealth to, String reason) {
        RegionHealth from;
        synchronized (s) {
            from = s.health;
            if (from == to) {
                return;
            }
            s.health = to;
            s.healthReason = reason;
        }
        dirty = true;
        LOGGER.atVerbose().addKeyValue("region", s.name()).addKeyValue("from", String.valueOf(from))
            .addKeyValue("to", String.valueOf(to)).log(reason);
        try {
            context.listener().regionHealthChanged(s.region, from, to, reason);
        } catch (RuntimeException e) {
            LOGGER.atVerbose().log("listener failed", e);
        }
    }

    /** The branch's link came back and the region answered: it was never at fault, so it is back at once. */
    void restoreAfterLink(RegionState s, String reason) {
        s.restoreOnNextSuccess = false;
        s.skipDwell = true;
        synchronized (s) {
            s.probeFailuresInRow = 0;
        }
        s.breaker.reset();
        setHealth(s, RegionHealth.HEALTHY, reason);
    }

    private void breakerChanged(RegionBreaker breaker, BreakerState from, BreakerState to) {
        RegionState s = byName.get(breaker.region);
        if (to == BreakerState.OPEN && s != null) {
            s.firstPassAtMillis = Long.MIN_VALUE;
        }
        dirty = true;
        LOGGER.atVerbose().addKeyValue("region", breaker.region).addKeyValue("from", String.valueOf(from))
            .addKeyValue("to", String.valueOf(to)).log("circuit breaker state changed");
        try {
            context.listener().breakerStateChanged(s == null ? null : s.region, from, to);
        } catch (RuntimeException e) {
            LOGGER.atVerbose().log("listener failed", e);
        }
    }
}
