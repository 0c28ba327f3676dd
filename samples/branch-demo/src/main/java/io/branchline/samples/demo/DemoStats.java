package io.branchline.samples.demo;

import io.branchline.core.CallInfo;
import io.branchline.core.CallListener;
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionResponse;
import io.branchline.core.Region;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts what the demo's calls did, from the client's own events, and once the run started writes failovers, hedges,
 * breaker and health changes to its {@link Timeline}.
 */
final class DemoStats extends CallListener {
    /** Attempt latencies kept per region for the percentiles; a minute of the demo's workload is far below it. */
    static final int MAX_LATENCIES = 1_000_000;

    final LongAdder calls = new LongAdder();
    final LongAdder succeeded = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder failedIdempotent = new LongAdder();
    /** Calls that failed while the branch's link was down (in flight or started then): nothing could reach Azure. */
    final LongAdder failedDuringLinkOutage = new LongAdder();
    /** Reads answered from the stale-if-error cache. */
    final LongAdder staleServed = new LongAdder();
    /** When the scripted link outage started and ended ({@link System#nanoTime()}); MAX_VALUE when not yet. */
    private volatile long linkDownNanos = Long.MAX_VALUE;
    private volatile long linkUpNanos = Long.MAX_VALUE;
    final LongAdder failovers = new LongAdder();
    final LongAdder hedges = new LongAdder();
    final LongAdder attempts = new LongAdder();
    /** Run-time control changes the router applied. */
    final LongAdder controlChanges = new LongAdder();
    /** Calls a deployment slot answered (the canary). */
    final LongAdder canary = new LongAdder();
    final Map<String, LongAdder> servedBy = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> lastServed = new ConcurrentHashMap<>();
    private final Map<String, RegionAttempts> byRegion = new ConcurrentHashMap<>();
    private volatile Timeline timeline;
    private volatile long startNanos;

    /** Per region: attempts sent, attempts that failed, and the latency of each attempt the region answered. */
    static final class RegionAttempts {
        final LongAdder attempts = new LongAdder();
        final LongAdder failures = new LongAdder();
        private long[] latencyNanos = new long[256];
        private int size;

        synchronized void latency(long nanos) {
            if (size == latencyNanos.length) {
                if (size >= MAX_LATENCIES) {
                    return;
                }
                latencyNanos = Arrays.copyOf(latencyNanos, Math.min(MAX_LATENCIES, size * 2));
            }
            latencyNanos[size++] = nanos;
        }

        /** The latency below which the given fraction of answered attempts fell (nearest rank), or -1 with none. */
        synchronized double percentileMillis(double fraction) {
            if (size == 0) {
                return -1;
            }
            long[] sorted = Arrays.copyOf(latencyNanos, size);
            Arrays.sort(sorted);
            int rank = (int) Math.ceil(fraction * size);
            return sorted[Math.max(0, Math.min(size - 1, rank - 1))] / 1e6;
        }
    }

    /** One row of the report's region table. */
    record RegionRow(String region, long attempts, long served, long failedAttempts, double p50Millis,
        double p99Millis) {
    }

    /** From now on, events go to the timeline, timed from {@code startNanos}. */
    void recordTo(Timeline timeline, long startNanos) {
        this.startNanos = startNanos;
        this.timeline = timeline;
    }

    private void event(Timeline.Kind kind, String region, String text) {
        Timeline t = timeline;
        if (t != null) {
            t.event(new Timeline.Event((System.nanoTime() - startNanos) / 1e9, kind, region, text));
        }
    }

    @Override
    public void attemptEnd(CallInfo call, Region region, Attempt attempt) {
        attempts.increment();
        if (attempt.outcome() == AttemptOutcome.CANCELLED) {
            return; // a hedge lost the race, or the caller gave up: neither a failure nor a latency of the region
        }
        RegionAttempts r = byRegion.computeIfAbsent(region.name(), k -> new RegionAttempts());
        r.attempts.increment();
        if (attempt.outcome() != AttemptOutcome.SUCCESS) {
            r.failures.increment();
        }
        if (attempt.statusCode() > 0 && attempt.latency() != null) {
            r.latency(attempt.latency().toNanos());
        }
    }

    @Override
    public void failover(CallInfo call, Region from, Region to, Attempt cause) {
        failovers.increment();
        event(Timeline.Kind.FAILOVER, from.name(), "failover " + from.name() + " \u2192 " + to.name() + " ("
            + cause.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")");
    }

    @Override
    public void hedge(CallInfo call, Region primary, Region hedge) {
        hedges.increment();
        event(Timeline.Kind.HEDGE, primary.name(), "hedge " + primary.name() + " + " + hedge.name());
    }

    @Override
    public void breakerStateChanged(Region region, BreakerState from, BreakerState to) {
        event(Timeline.Kind.BREAKER, region.name(), region.name() + " breaker " + from + " \u2192 " + to);
    }

    @Override
    public void regionHealthChanged(Region region, RegionHealth from, RegionHealth to, String reason) {
        event(Timeline.Kind.HEALTH, region.name(), region.name() + " " + from + " \u2192 " + to
            + (reason == null || reason.isBlank() ? "" : " (" + reason + ")"));
    }

    @Override
    public void callEnd(CallInfo call, FunctionResponse response) {
        calls.increment();
        succeeded.increment();
        servedBy.computeIfAbsent(response.region().name(), k -> new LongAdder()).increment();
        if (response.region().isSlot()) {
            canary.increment();
        }
    }

    /** The router applied an operator's control change: marked on the timeline when it took effect. */
    @Override
    public void controlChanged(io.branchline.core.models.ControlChange change) {
        controlChanges.increment();
        event(Timeline.Kind.CONTROL, null, "control applied: " + change.describe());
    }

    @Override
    public void callFailed(CallInfo call, FunctionCallException error) {
        calls.increment();
        failed.increment();
        // in flight or started while the link was down: nothing could reach Azure
        if (System.nanoTime() >= linkDownNanos && call.startNanos() < linkUpNanos) {
            failedDuringLinkOutage.increment();
        } else if (call.request().isIdempotent()) {
            failedIdempotent.increment();
        }
    }

    @Override
    public void staleServed(CallInfo call, FunctionResponse stale, FunctionCallException error) {
        staleServed.increment();
        event(Timeline.Kind.FAULT, stale.region().name(), call.request().method() + " " + call.request().path()
            + " answered stale (" + stale.age().toSeconds() + " s old): " + stale.route().compact());
    }

    /** The scripted outage of the branch's link begins (every region unreachable). */
    void linkOutageStarted() {
        linkDownNanos = System.nanoTime();
    }

    /** The branch's link is back. */
    void linkOutageEnded() {
        linkUpNanos = System.nanoTime();
    }

    long served(String region) {
        LongAdder a = servedBy.get(region);
        return a == null ? 0 : a.sum();
    }

    /** Calls a region served since the previous call of this method for that region. */
    long servedSinceLast(String region) {
        long now = served(region);
        long before = lastServed.computeIfAbsent(region, k -> new AtomicLong()).getAndSet(now);
        return now - before;
    }

    /** The region table, in the given order. */
    List<RegionRow> regionRows(List<String> regions) {
        List<RegionRow> rows = new ArrayList<>();
        for (String name : regions) {
            RegionAttempts r = byRegion.get(name);
            rows.add(r == null ? new RegionRow(name, 0, served(name), 0, -1, -1)
                : new RegionRow(name, r.attempts.sum(), served(name), r.failures.sum(), r.percentileMillis(0.50),
                    r.percentileMillis(0.99)));
        }
        return rows;
    }
}
