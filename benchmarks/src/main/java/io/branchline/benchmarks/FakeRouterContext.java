package io.branchline.benchmarks;

import io.branchline.core.CallListener;
import io.branchline.core.Region;
import io.branchline.core.RouterContext;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.ProbeResult;
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/** A {@link RouterContext} with no transport: every probe answers a canned 200 at once. */
final class FakeRouterContext implements RouterContext, AutoCloseable {
    private final List<Region> regions;
    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "fake-router-scheduler");
        t.setDaemon(true);
        return t;
    });

    FakeRouterContext(List<Region> regions) {
        this.regions = List.copyOf(regions);
    }

    /** {@code n} regions named {@code region-0..n-1} on unroutable loopback ports (never contacted). */
    static List<Region> regions(int n) {
        List<Region> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(Region.of("region-" + i, "http://127.0.0.1:" + (20_000 + i)));
        }
        return out;
    }

    @Override
    public List<Region> regions() {
        return regions;
    }

    @Override
    public Clock clock() {
        return Clock.systemUTC();
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public CallListener listener() {
        return CallListener.NONE;
    }

    @Override
    public FailoverOptions failoverOptions() {
        return FailoverOptions.DEFAULT;
    }

    @Override
    public Mono<ProbeResult> probe(Region region, String method, String path, Map<String, String> headers,
        Duration timeout) {
        return Mono.just(new ProbeResult(region.name(), 200, Duration.ofMillis(5), AttemptOutcome.SUCCESS, null));
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
