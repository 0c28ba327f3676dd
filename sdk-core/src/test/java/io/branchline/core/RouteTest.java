package io.branchline.core;

import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.branchline.core.Fixtures.builder;
import static io.branchline.core.Fixtures.ok;
import static io.branchline.core.Fixtures.refusedRegion;
import static io.branchline.core.Fixtures.region;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The route of answers and failures with the default in-order router and a router of one's own. */
class RouteTest {
    @StartStop
    final MockWebServer ne = new MockWebServer();

    @Test
    void anAnswerSaysWhichRegionsWereTriedInOrderAndWhy() {
        ne.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(refusedRegion("we")).region(region("ne", ne)).buildClient()) {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            Route route = r.route();
            assertSame(route, r.route());
            assertEquals(List.of("we", "ne"), route.plan().stream().map(Route.Candidate::region).toList());
            assertEquals("in-order", route.plan().get(0).reason());
            assertEquals("first", route.steps().get(0).why());
            assertEquals("failover after CONNECT_FAILED in we", route.steps().get(1).detail());
            assertEquals("we(in-order)>ne(failover:CONNECT_FAILED)", route.compact());
            assertTrue(route.describe().contains("attempt 2 ne: failover after CONNECT_FAILED in we -> SUCCESS"),
                route.describe());
        }
    }

    @Test
    void aRoutersOwnReasonsReachTheAnswerAndTheFailure() {
        RegionRouter router = new RegionRouter() {
            private volatile List<Region> regions;

            @Override
            public void start(RouterContext context) {
                regions = context.regions();
            }

            @Override
            public RoutePlan plan(FunctionRequest request) {
                return RoutePlan.builder().regions(List.of(regions.get(1)))
                    .explain("ne", Duration.ofMillis(7), "canary", "5 % canary share")
                    .unavailable("we", "in maintenance").explain("we", null, "excluded-by-control", "drained")
                    .build().forRequest(request);
            }

            @Override
            public void onAttemptEnd(Region region, io.branchline.core.models.Attempt attempt) {
            }
        };
        ne.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(refusedRegion("we")).region(region("ne", ne)).router(router)
            .buildClient()) {
            Route route = client.invoke(FunctionRequest.get("/api/x").build()).route();
            assertEquals("ne(canary)", route.compact());
            assertEquals(Duration.ofMillis(7), route.plan().get(0).score());
            assertEquals("excluded-by-control", route.leftOut().get(0).reason());
            ne.close();
            FunctionCallException e = assertThrows(FunctionCallException.class,
                () -> client.invoke(FunctionRequest.get("/api/x").build()));
            assertEquals("canary", e.route().plan().get(0).reason());
            assertEquals("ne(canary)", e.route().compact());
        }
    }

    @Test
    void staleIfErrorWithoutAStoreFailsTheBuildNamingTheFix() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> builder().region(region("ne", ne))
            .staleIfError(Duration.ofMinutes(5)).buildClient().close());
        assertTrue(e.getMessage().contains("branchline.stale-if-error")
            && e.getMessage().contains("io.branchline:branchline-routing"), e.getMessage());
    }
}
