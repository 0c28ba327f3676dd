package io.branchline.routing;

import io.branchline.testkit.ManualClock;
import io.branchline.core.CallListener;
import io.branchline.core.Region;
import io.branchline.core.RouterContext;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.ProbeResult;
import io.branchline.core.models.RegionHealth;
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/** A router context with no network: probe answers are set per region by the test. */
final class StubContext implements RouterContext, AutoCloseable {
    final List<Region> regions;
    final ManualClock clock = new ManualClock();
    final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "stub-scheduler");
        t.setDaemon(true);
        return t;
    });
    final Map<String, ProbeResult> probeAnswers = new ConcurrentHashMap<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    final CallListener listener = new CallListener() {
        @Override
        public void breakerStateChanged(Region region, BreakerState from, BreakerState to) {
            events.add("breaker " + region.name() + " " + from + "->" + to);
        }

        @Override
        public void regionHealthChanged(Region region, RegionHealth from, RegionHealth to, String reason) {
            events.add("health " + region.name() + " " + from + "->" + to);
        }
    };
    FailoverOptions failover = FailoverOptions.DEFAULT;
    /** Per region, answers given before {@link #probeAnswers}' steady one, first to last. */
    final Map<String, java.util.Queue<ProbeResult>> scripted = new ConcurrentHashMap<>();
    /** Regions whose probes never answer. */
    final java.util.Set<String> silent = ConcurrentHashMap.newKeySet();
    /** Every probe sent: "METHOD path timeout headers". */
    final List<String> probesSent = new CopyOnWriteArrayList<>();

    StubContext(Region... regions) {
        this.regions = List.of(regions);
        for (Region r : regions) {
            ok(r.name(), 10);
        }
    }

    void ok(String region, long millis) {
        probeAnswers.put(region, new ProbeResult(region, 200, Duration.ofMillis(millis), AttemptOutcome.SUCCESS, null));
    }

    /**
     * The next probes of the region answer 200 after these round trips (a negative one: a timeout after that long),
     * then the steady answer again.
     */
    void script(String region, long... millis) {
        java.util.Queue<ProbeResult> q = scripted.computeIfAbsent(region, r -> new java.util.concurrent.ConcurrentLinkedQueue<>());
        for (long ms : millis) {
            q.add(ms >= 0 ? new ProbeResult(region, 200, Duration.ofMillis(ms), AttemptOutcome.SUCCESS, null)
                : new ProbeResult(region, 0, Duration.ofMillis(-ms), AttemptOutcome.TIMEOUT, "TimeoutException"));
        }
    }

    void refused(String region) {
        probeAnswers.put(region, new ProbeResult(region, 0, Duration.ofMillis(1), AttemptOutcome.CONNECT_FAILED,
            "ConnectException: Connection refused"));
    }

    @Override
    public List<Region> regions() {
        return regions;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public CallListener listener() {
        return listener;
    }

    @Override
    public FailoverOptions failoverOptions() {
        return failover;
    }

    @Override
    public Mono<ProbeResult> probe(Region region, String method, String path, Map<String, String> headers,
        Duration timeout) {
        probesSent.add(method + " " + path + " " + timeout + " " + headers);
        if (silent.contains(region.name())) {
            return Mono.never();
        }
        return Mono.fromSupplier(() -> {
            java.util.Queue<ProbeResult> q = scripted.get(region.name());
            ProbeResult next = q == null ? null : q.poll();
            return next != null ? next : probeAnswers.get(region.name());
        });
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
