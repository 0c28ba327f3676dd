package io.branchline.routing;

import io.branchline.testkit.ManualClock;
import com.azure.core.util.Configuration;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.Region;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.TimeoutOptions;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.SimulatedRegion;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A region simulator, a client on it with a router under test, and a controllable clock. Probes are real HTTP, but
 * the router sees each region's configured latency as its probe round trip ({@link NominalLatencyRouter}).
 */
final class Fixture implements AutoCloseable {
    final RegionSimulator sim;
    final ManualClock clock = new ManualClock();
    NearestRegionRouter router;
    NominalLatencyRouter clientRouter;
    FunctionClient client;

    /**
     * The first client of a JVM pays for loading and initialising the transport (seconds on a busy machine); paid
     * here once, outside any test's probe timeout.
     */
    private static synchronized void warmTransportOnce() {
        if (warm) {
            return;
        }
        try (RegionSimulator s = RegionSimulator.builder().region("warm-up", Duration.ZERO).build();
             FunctionClient c = new FunctionClientBuilder().configuration(Configuration.NONE).allowPlainHttp(true)
                 .region(Region.of("warm-up", s.regions().get(0).baseUrl())).buildClient()) {
            c.invoke(FunctionRequest.get("/api/warm-up").build());
        }
        warm = true;
    }

    private static boolean warm;

    Fixture(Map<String, Integer> latencies) {
        warmTransportOnce();
        RegionSimulator.Builder b = RegionSimulator.builder();
        latencies.forEach((name, ms) -> b.region(name, Duration.ofMillis(ms)));
        this.sim = b.build();
    }

    /** The three usual regions, configured far first so that the router must find the nearest itself. */
    static Fixture threeRegions() {
        return new Fixture(regions("eastus", 60, "northeurope", 20, "westeurope", 5));
    }

    static Map<String, Integer> regions(Object... nameAndMillis) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndMillis.length; i += 2) {
            m.put((String) nameAndMillis[i], (Integer) nameAndMillis[i + 1]);
        }
        return m;
    }

    /** Test defaults: manual probes, short timeouts, no hedging unless the test turns it on. */
    static NearestRegionRouterBuilder routerBuilder() {
        return NearestRegionRouter.builder().manualProbes()
            .healthProbe(HealthProbeOptions.builder().timeout(Duration.ofSeconds(1)).build());
    }

    static FailoverOptions.Builder failover() {
        return FailoverOptions.builder().hedgeReads(false);
    }

    Fixture start(NearestRegionRouterBuilder routerBuilder, FailoverOptions failover) {
        return start(routerBuilder, failover, c -> { });
    }

    Fixture start(NearestRegionRouterBuilder routerBuilder, FailoverOptions failover,
        Consumer<FunctionClientBuilder> more) {
        this.router = routerBuilder.build();
        FunctionClientBuilder cb = new FunctionClientBuilder().configuration(Configuration.NONE).allowPlainHttp(true)
            .clock(clock).router(clientRouter = new NominalLatencyRouter(router, name -> sim.region(name).latency()))
            .failover(failover)
            .timeouts(TimeoutOptions.builder().connect(Duration.ofSeconds(1)).response(Duration.ofSeconds(2))
                .call(Duration.ofSeconds(10)).build());
        for (SimulatedRegion r : sim.regions()) {
            cb.region(Region.of(r.name(), r.baseUrl()));
        }
        more.accept(cb);
        this.client = cb.buildClient();
        return this;
    }

    SimulatedRegion region(String name) {
        return sim.region(name);
    }

    FunctionResponse get() {
        return client.invoke(FunctionRequest.get("/api/orders").build());
    }

    String firstInPlan() {
        return router.plan(FunctionRequest.get("/api/orders").build()).regions().get(0).name();
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        sim.close();
    }
}
