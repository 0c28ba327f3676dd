package io.branchline.telemetry;

import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;
import io.branchline.core.models.RegionStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What is known about each region: from the router's snapshot supplier when one is given, else from listener events
 * (breaker and health changes, and a smoothed latency of the attempts that got an answer). Thread-safe.
 */
final class RegionTracker {
    /** Weight of the newest latency sample in the moving average. */
    private static final double ALPHA = 0.2;
    /** How long a supplier snapshot is reused, in nanoseconds. */
    private static final long SNAPSHOT_TTL_NANOS = 500_000_000L;

    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Supplier<List<RegionStatus>> supplier;
    private final WarnOnce warnings;
    private volatile Snapshot cached;
    private volatile boolean linkDown;

    RegionTracker(Supplier<List<RegionStatus>> supplier, WarnOnce warnings) {
        this.supplier = supplier;
        this.warnings = warnings;
    }

    void onAttempt(String region, Attempt attempt) {
        State s = state(region);
        AttemptOutcome o = attempt.outcome();
        if (o == AttemptOutcome.SUCCESS || o == AttemptOutcome.SERVER_ERROR || o == AttemptOutcome.CLIENT_ERROR
            || o == AttemptOutcome.THROTTLED) {
            double ms = attempt.latency().toNanos() / 1_000_000.0;
            synchronized (s) {
                s.latencyMs = Double.isNaN(s.latencyMs) ? ms : s.latencyMs + ALPHA * (ms - s.latencyMs);
            }
        }
    }

    /** A passed probe's round trip: the latency of a region that takes no traffic is known too. */
    void onProbe(String region, java.time.Duration latency) {
        State s = state(region);
        double ms = latency.toNanos() / 1_000_000.0;
        synchronized (s) {
            s.latencyMs = Double.isNaN(s.latencyMs) ? ms : s.latencyMs + ALPHA * (ms - s.latencyMs);
        }
    }

    /** The branch's link went down or came back (listener events). */
    void onLink(boolean down) {
        linkDown = down;
    }

    /**
     * Whether the branch's link is down: from the router's status when a supplier is given and it has regions,
     * else from the listener events.
     */
    boolean linkDown() {
        List<RegionStatus> supplied = supplied();
        if (!supplied.isEmpty()) {
            return supplied.get(0).branchLinkDown();
        }
        return linkDown;
    }

    void onBreaker(String region, BreakerState to) {
        state(region).breaker = to;
    }

    void onHealth(String region, RegionHealth to) {
        state(region).health = to;
    }

    /** Makes a region known (so it gets gauges and metric items) before any event about it. */
    void touch(String region) {
        state(region);
    }

    private State state(String region) {
        return states.computeIfAbsent(region, r -> new State());
    }

    /** @return one status per known region, the supplier's view first, events for the rest */
    List<RegionStatus> snapshot() {
        Map<String, RegionStatus> out = new LinkedHashMap<>();
        for (RegionStatus r : supplied()) {
            out.put(r.region(), r);
            touch(r.region());
        }
        states.forEach((name, s) -> out.computeIfAbsent(name, n -> s.toStatus(n)));
        return new ArrayList<>(out.values());
    }

    /** @return the current status of one region */
    RegionStatus status(String region) {
        for (RegionStatus r : supplied()) {
            if (r.region().equals(region)) {
                return r;
            }
        }
        State s = states.get(region);
        return s == null ? new State().toStatus(region) : s.toStatus(region);
    }

    private List<RegionStatus> supplied() {
        if (supplier == null) {
            return List.of();
        }
        Snapshot c = cached;
        long now = System.nanoTime();
        if (c != null && now - c.atNanos < SNAPSHOT_TTL_NANOS) {
            return c.regions;
        }
        List<RegionStatus> regions;
        try {
            List<RegionStatus> got = supplier.get();
            regions = got == null ? List.of() : List.copyOf(got);
        } catch (RuntimeException e) {
            warnings.warn("region-status", "the regionStatus supplier failed (" + e.getClass().getSimpleName()
                + "); region metrics come from listener events only");
            regions = List.of();
        }
        cached = new Snapshot(regions, now);
        return regions;
    }

    static double healthValue(RegionHealth h) {
        switch (h) {
            case HEALTHY:
                return 1;
            case UNHEALTHY:
                return -1;
            default:
                return 0;
        }
    }

    static double breakerValue(BreakerState b) {
        switch (b) {
            case CLOSED:
                return 0;
            case OPEN:
                return 1;
            case HALF_OPEN:
                return 2;
            default:
                return -1;
        }
    }

    static double latencyMillis(RegionStatus r) {
        return r.latency() == null ? Double.NaN : r.latency().toNanos() / 1_000_000.0;
    }

    private static final class State {
        volatile RegionHealth health = RegionHealth.UNKNOWN;
        volatile BreakerState breaker = BreakerState.NONE;
        volatile double latencyMs = Double.NaN;

        RegionStatus toStatus(String region) {
            double ms = latencyMs;
            Duration latency = Double.isNaN(ms) ? null : Duration.ofNanos((long) (ms * 1_000_000));
            return new RegionStatus(region, health, breaker, latency, null, 1.0, 0);
        }
    }

    private record Snapshot(List<RegionStatus> regions, long atNanos) {
    }
}
