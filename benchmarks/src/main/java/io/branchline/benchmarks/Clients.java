package io.branchline.benchmarks;

import com.azure.core.http.HttpClient;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.core.util.Configuration;
import io.branchline.core.CallListener;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.Region;
import io.branchline.core.RegionRouter;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.TimeoutOptions;
import io.branchline.routing.BreakerOptions;
import io.branchline.routing.HealthProbeOptions;
import io.branchline.routing.NearestRegionRouter;
import io.branchline.testkit.SimulatedRegion;

import java.time.Duration;
import java.util.List;

/** The clients compared by the benchmarks, built the same way everywhere. */
final class Clients {
    /** Per-attempt response timeout of every client: 2 s, as in the reference setup. */
    static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(2);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

    private Clients() {
    }

    /**
     * The router options a branch team would choose for a handful of regions: probes every 500 ms (300 ms timeout,
     * 2 failures / 2 passes), the default breaker, 1 s failback dwell and 1 s slow start; hedging as by default
     * (p95 of the nearest's latency, floor 20 ms).
     */
    static NearestRegionRouter router() {
        return NearestRegionRouter.builder()
            .healthProbe(HealthProbeOptions.builder().interval(Duration.ofMillis(500)).timeout(Duration.ofMillis(300))
                .unhealthyThreshold(2).healthyThreshold(2).build())
            .breaker(BreakerOptions.DEFAULT)
            .failbackDwell(Duration.ofSeconds(1))
            .slowStart(Duration.ofSeconds(1))
            .build();
    }

    static String describeRouter() {
        return "NearestRegionRouter: probes 500 ms / timeout 300 ms / 2 fail / 2 pass, default breaker"
            + " (3 in a row or 50 % of 10, open 5 s), failback dwell 1 s, slow start 1 s, hedge p95 (floor 20 ms);"
            + " timeouts connect 1 s, response 2 s, call 10 s; FailoverOptions defaults (3 attempts, budget 20 % + 10/s)";
    }

    static FunctionClient branchline(List<SimulatedRegion> regions, RegionRouter router, CallListener... listeners) {
        FunctionClientBuilder b = new FunctionClientBuilder()
            .configuration(Configuration.NONE)
            .allowPlainHttp(true)
            .timeouts(TimeoutOptions.builder().connect(CONNECT_TIMEOUT).response(RESPONSE_TIMEOUT)
                .call(Duration.ofSeconds(10)).build())
            .failover(FailoverOptions.DEFAULT)
            .router(router);
        for (SimulatedRegion r : regions) {
            b.region(Region.of(r.name(), r.baseUrl()));
        }
        for (CallListener l : listeners) {
            b.addListener(l);
        }
        return b.buildClient();
    }

    /** A bare azure-core Netty client with the same connect and response timeouts. */
    static HttpClient bare() {
        return new NettyAsyncHttpClientBuilder()
            .configuration(Configuration.NONE)
            .connectTimeout(CONNECT_TIMEOUT)
            .responseTimeout(RESPONSE_TIMEOUT)
            .readTimeout(RESPONSE_TIMEOUT)
            .build();
    }
}
