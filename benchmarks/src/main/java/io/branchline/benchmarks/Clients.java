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
     * The router as users get it: every default (probes every 5 s, default breaker, failback dwell 10 s, slow start
     * 10 s, hedge at the nearest's p95 within 20 ms - 2 s).
     */
    static NearestRegionRouter router() {
        return NearestRegionRouter.create();
    }

    /** The only client settings changed from the defaults: the timeouts the baselines use too. */
    static TimeoutOptions timeouts() {
        return TimeoutOptions.builder().connect(CONNECT_TIMEOUT).response(RESPONSE_TIMEOUT).build();
    }

    static String describeRouter() {
        return "NearestRegionRouter with every default (probes 5 s / timeout 2 s / 2 fail / 2 pass, breaker 3 in a row"
            + " or 50 % of 10 and open 5 s, failback dwell 10 s, slow start 10 s, hedge p95 within 20 ms - 2 s);"
            + " FailoverOptions defaults; changed: timeouts connect 1 s and response 2 s, as the baselines";
    }

    static FunctionClient branchline(List<SimulatedRegion> regions, RegionRouter router, CallListener... listeners) {
        return branchline(regions, router, b -> { }, listeners);
    }

    /** The Branchline client with one more setting (such as stale-if-error) the scenario is about. */
    static FunctionClient branchline(List<SimulatedRegion> regions, RegionRouter router,
        java.util.function.Consumer<FunctionClientBuilder> more, CallListener... listeners) {
        FunctionClientBuilder b = new FunctionClientBuilder()
            .configuration(Configuration.NONE)
            .allowPlainHttp(true)
            .timeouts(timeouts())
            .failover(FailoverOptions.DEFAULT)
            .router(router);
        for (SimulatedRegion r : regions) {
            b.region(Region.of(r.name(), r.baseUrl()));
        }
        for (CallListener l : listeners) {
            b.addListener(l);
        }
        more.accept(b);
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
