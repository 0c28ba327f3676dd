package io.branchline.routing;

import io.branchline.core.CallListener;
import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.core.RegionRouter;
import io.branchline.core.RoutePlan;
import io.branchline.core.RouterContext;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.ProbeResult;
import io.branchline.core.models.RegionStatus;
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * Puts a router under test on a real client and real HTTP, but reports each passed probe's round trip as the
 * region's configured (nominal) latency instead of the measured one. The ranking then follows the simulator's
 * settings exactly, whatever the machine's load: tests never depend on real latency differences.
 */
final class NominalLatencyRouter implements RegionRouter {
    private final NearestRegionRouter router;
    private final Function<String, Duration> nominal;
    /** Probes the router asked the client to send. */
    final java.util.concurrent.atomic.AtomicLong probesSent = new java.util.concurrent.atomic.AtomicLong();

    NominalLatencyRouter(NearestRegionRouter router, Function<String, Duration> nominal) {
        this.router = router;
        this.nominal = nominal;
    }

    @Override
    public void start(RouterContext context) {
        router.start(new RouterContext() {
            @Override
            public List<Region> regions() {
                return context.regions();
            }

            @Override
            public Clock clock() {
                return context.clock();
            }

            @Override
            public ScheduledExecutorService scheduler() {
                return context.scheduler();
            }

            @Override
            public CallListener listener() {
                return context.listener();
            }

            @Override
            public FailoverOptions failoverOptions() {
                return context.failoverOptions();
            }

            @Override
            public Mono<ProbeResult> probe(Region region, String method, String path, Map<String, String> headers,
                Duration timeout) {
                probesSent.incrementAndGet();
                return context.probe(region, method, path, headers, timeout).map(r -> r.statusCode() > 0
                    ? new ProbeResult(r.region(), r.statusCode(), nominal.apply(r.region()), r.outcome(), r.error(),
                        r.cold())
                    : r);
            }
        });
    }

    @Override
    public Mono<Void> ready() {
        return router.ready();
    }

    @Override
    public RoutePlan plan(FunctionRequest request) {
        return router.plan(request);
    }

    @Override
    public boolean tryAcquire(Region region) {
        return router.tryAcquire(region);
    }

    @Override
    public void onAttemptEnd(Region region, Attempt attempt) {
        router.onAttemptEnd(region, attempt);
    }

    @Override
    public List<RegionStatus> status() {
        return router.status();
    }

    @Override
    public void close() {
        router.close();
    }
}
