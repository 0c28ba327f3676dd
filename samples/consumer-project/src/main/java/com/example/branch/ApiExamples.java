package com.example.branch;

import io.branchline.core.CallInfo;
import io.branchline.core.CallListener;
import io.branchline.core.FunctionAsyncClient;
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.NoRegionAvailableException;
import io.branchline.core.Region;
import io.branchline.core.RegionRouter;
import io.branchline.core.RoutePlan;
import io.branchline.core.RouterContext;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.TimeoutOptions;
import io.branchline.core.models.TlsOptions;
import io.branchline.routing.BreakerOptions;
import io.branchline.routing.HealthProbeOptions;
import io.branchline.routing.NearestRegionRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The examples in the javadoc of Branchline's public types, compiled here against the published artifacts and copied
 * into the javadoc by the codesnippet plugin (each between BEGIN and END comments named after the type).
 */
final class ApiExamples {
    private static final Logger LOGGER = LoggerFactory.getLogger(ApiExamples.class);

    private ApiExamples() {
    }

    static Mono<String> asyncClient() {
        // BEGIN: io.branchline.core.FunctionAsyncClient
        FunctionAsyncClient client = new FunctionClientBuilder()
            .region("westeurope", "https://orders-we.azurewebsites.net")
            .region("northeurope", "https://orders-ne.azurewebsites.net")
            .functionKey(System.getenv("ORDERS_FUNCTION_KEY"))
            .buildAsyncClient();
        // Nothing is sent until the Mono is subscribed; errors arrive as FunctionCallException.
        Mono<String> order = client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "42").build())
            .map(FunctionResponse::bodyAsString)
            .onErrorResume(FunctionCallException.class,
                e -> e.statusCode() == 404 ? Mono.empty() : Mono.error(e));
        // END: io.branchline.core.FunctionAsyncClient
        return order.doFinally(signal -> client.close());
    }

    static FunctionClient listener(FunctionClientBuilder builder) {
        // BEGIN: io.branchline.core.CallListener
        ConcurrentMap<String, LongAdder> failoversFrom = new ConcurrentHashMap<>();
        CallListener failovers = new CallListener() {
            @Override
            public void failover(CallInfo call, Region from, Region to, Attempt cause) {
                // Called on an I/O thread: count, never block.
                failoversFrom.computeIfAbsent(from.name(), name -> new LongAdder()).increment();
            }
        };
        FunctionClient client = builder.addListener(failovers).buildClient();
        // END: io.branchline.core.CallListener
        return client;
    }

    // BEGIN: io.branchline.core.RegionRouter
    /** Tries the regions in configuration order, leaving out those an operator put into maintenance. */
    static final class MaintenanceAwareRouter implements RegionRouter {
        private final Set<String> inMaintenance = ConcurrentHashMap.newKeySet();
        private volatile List<Region> regions = List.of();

        @Override
        public void start(RouterContext context) {
            regions = context.regions();
        }

        @Override
        public RoutePlan plan(FunctionRequest request) {   // on the caller's thread: no I/O, no locks
            RoutePlan.Builder plan = RoutePlan.builder();
            List<Region> usable = new ArrayList<>();
            for (Region region : regions) {
                if (inMaintenance.contains(region.name())) {
                    plan.unavailable(region.name(), "in maintenance");
                } else {
                    usable.add(region);
                }
            }
            return plan.regions(usable).build().forRequest(request);   // the request's preferred/excluded regions
        }

        @Override
        public void onAttemptEnd(Region region, Attempt attempt) {
            // A learning router records attempt.outcome() and attempt.latency() here.
        }

        void maintenance(String region, boolean on) {
            if (on) {
                inMaintenance.add(region);
            } else {
                inMaintenance.remove(region);
            }
        }
    }
    // END: io.branchline.core.RegionRouter

    static String errors(FunctionClient client) {
        // BEGIN: io.branchline.core.FunctionCallException
        try {
            return client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "42").build())
                .bodyAsString();
        } catch (NoRegionAvailableException e) {
            // Nothing could be tried: every region is out, and why.
            LOGGER.warn("no region available: {}", e.unavailableRegions());
            throw e;
        } catch (FunctionCallException e) {
            if (e.statusCode() == 404) {
                return null;   // the function's own answer
            }
            for (Attempt attempt : e.attempts()) {   // which regions were tried and why each failed
                LOGGER.warn("{}", attempt.describe());
            }
            throw e;
        }
        // END: io.branchline.core.FunctionCallException
    }

    static FunctionClientBuilder options(FunctionClientBuilder builder) {
        // BEGIN: io.branchline.core.models.FailoverOptions
        builder.failover(FailoverOptions.builder()
            .maxAttempts(2)              // one region more at most
            .retryBudgetRatio(0.1)       // retries and hedges: 10 % of calls ...
            .retryBudgetFloor(5)         // ... plus 5 a second
            .hedgeReads(false)
            .build());
        // END: io.branchline.core.models.FailoverOptions
        // BEGIN: io.branchline.core.models.TimeoutOptions
        builder.timeouts(TimeoutOptions.builder()
            .connect(Duration.ofSeconds(2))
            .response(Duration.ofSeconds(5))    // per attempt, until the headers arrive
            .call(Duration.ofSeconds(15))       // the whole call, every attempt and wait included
            .build());
        // END: io.branchline.core.models.TimeoutOptions
        // BEGIN: io.branchline.core.models.TlsOptions
        builder.tls(TlsOptions.builder()
            .trustPem(Path.of("/etc/ssl/corp-inspection-root.pem"))   // the TLS inspection proxy's CA
            .includeSystemTrust(true)
            .build());
        // END: io.branchline.core.models.TlsOptions
        return builder;
    }

    static NearestRegionRouter routingOptions() {
        // BEGIN: io.branchline.routing.HealthProbeOptions
        HealthProbeOptions probes = HealthProbeOptions.builder()
            .path("/api/health")
            .interval(Duration.ofSeconds(5))
            .timeout(Duration.ofSeconds(2))
            .unhealthyThreshold(2)        // two failed probes in a row: unhealthy
            .expectedStatus(200, 299)
            .build();
        NearestRegionRouter router = NearestRegionRouter.builder().healthProbe(probes).build();
        // END: io.branchline.routing.HealthProbeOptions
        router.close();
        // BEGIN: io.branchline.routing.BreakerOptions
        BreakerOptions breaker = BreakerOptions.builder()
            .consecutiveFailures(3)               // or ...
            .failureRate(50).window(10)           // ... half of the last 10 calls
            .openTime(Duration.ofSeconds(5))      // doubled on repeated trips ...
            .maxOpenTime(Duration.ofMinutes(2))   // ... up to 2 minutes
            .build();
        NearestRegionRouter withBreaker = NearestRegionRouter.builder().breaker(breaker).build();
        // END: io.branchline.routing.BreakerOptions
        return withBreaker;
    }
}
