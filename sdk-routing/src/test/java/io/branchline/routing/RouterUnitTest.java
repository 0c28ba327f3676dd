package io.branchline.routing;

import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.core.RoutePlan;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;
import io.branchline.core.models.RegionStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The router's decisions without a network: a stub context with scripted probe answers and a fake clock. */
class RouterUnitTest {
    private static final FunctionRequest GET = FunctionRequest.get("/api/orders").build();
    private final Region we = Region.of("westeurope", "https://we.example");
    private final Region ne = Region.of("northeurope", "https://ne.example");
    private final Region us = Region.of("eastus", "https://us.example");
    private final StubContext ctx = new StubContext(we, ne, us);
    private NearestRegionRouter router;

    @AfterEach
    void tearDown() {
        if (router != null) {
            router.close();
        }
        ctx.close();
    }

    private NearestRegionRouter start(NearestRegionRouterBuilder b) {
        router = b.manualProbes().build();
        router.start(ctx);
        return router;
    }

    private static Attempt attempt(Region r, AttemptOutcome o, int status, long millis, Duration retryAfter) {
        return new Attempt(r.name(), 1, o, status, Duration.ofMillis(millis), retryAfter, o == AttemptOutcome.SUCCESS
            ? null : "test", false);
    }

    private void call(Region r, AttemptOutcome o, int status) {
        assertTrue(router.tryAcquire(r), "admitted to " + r.name());
        router.onAttemptEnd(r, attempt(r, o, status, 5, null));
    }

    private RegionStatus status(Region r) {
        return router.status().stream().filter(s -> s.region().equals(r.name())).findFirst().orElseThrow();
    }

    private static List<String> names(RoutePlan p) {
        return p.regions().stream().map(Region::name).toList();
    }

    @Test
    void planIsCachedAndSharedUntilStateChanges() {
        start(NearestRegionRouter.builder());
        RoutePlan first = router.plan(GET);
        assertSame(first, router.plan(GET));
        assertEquals(List.of("westeurope", "northeurope", "eastus"), names(first), "unknown latency: config order");
        ctx.ok("westeurope", 60);
        ctx.ok("northeurope", 5);
        ctx.ok("eastus", 20);
        router.probeNow();
        RoutePlan measured = router.plan(GET);
        assertEquals(List.of("northeurope", "eastus", "westeurope"), names(measured));
        assertSame(measured, router.plan(GET));
        assertNotNull(measured.hedgeDelay());
    }

    @Test
    void preferredAndExcludedRegionsBuildAPlanForTheRequest() {
        start(NearestRegionRouter.builder());
        RoutePlan p = router.plan(FunctionRequest.get("/api/x").preferRegions("eastus").excludeRegions("westeurope")
            .build());
        assertEquals(List.of("eastus", "northeurope"), names(p));
        assertEquals("excluded by the request", p.unavailable().get("westeurope"));
    }

    @Test
    void pinnedRegionComesFirstWhileAvailable() {
        start(NearestRegionRouter.builder().pin("eastus"));
        ctx.ok("eastus", 80);
        router.probeNow();
        assertEquals("eastus", names(router.plan(GET)).get(0));
        assertThrows(IllegalStateException.class, () -> NearestRegionRouter.builder().pin("nowhere").build()
            .start(new StubContext(we)));
    }

    @Test
    void consecutiveFailuresOpenTheBreakerAndFourHundredsNeverCount() {
        start(NearestRegionRouter.builder().breaker(BreakerOptions.builder().consecutiveFailures(3).build()));
        for (int i = 0; i < 10; i++) {
            call(we, AttemptOutcome.CLIENT_ERROR, 404);
        }
        assertEquals(BreakerState.CLOSED, status(we).breaker());
        call(we, AttemptOutcome.SERVER_ERROR, 500);
        call(we, AttemptOutcome.TIMEOUT, 0);
        assertEquals(BreakerState.CLOSED, status(we).breaker());
        call(we, AttemptOutcome.IO_ERROR, 0);
        assertEquals(BreakerState.OPEN, status(we).breaker());
        assertTrue(ctx.events.contains("breaker westeurope CLOSED->OPEN"), ctx.events.toString());
        RoutePlan p = router.plan(GET);
        assertFalse(names(p).contains("westeurope"));
        assertTrue(p.unavailable().get("westeurope").startsWith("circuit open until"), p.toString());
        assertFalse(router.tryAcquire(we), "open circuit refuses attempts outside panic");
    }

    @Test
    void openTimeGrowsOnRepeatedTripsAndProbesCloseTheBreaker() {
        start(NearestRegionRouter.builder().breaker(BreakerOptions.builder().consecutiveFailures(1)
            .openTime(Duration.ofSeconds(5)).maxOpenTime(Duration.ofSeconds(15)).halfOpenTrials(2).build()));
        call(we, AttemptOutcome.SERVER_ERROR, 503);
        assertEquals(5_000, router.state().get("westeurope").breaker.lastOpenMillis());
        ctx.refused("westeurope");
        ctx.clock.advance(Duration.ofSeconds(6));
        router.probeNow(); // half-open trial fails: open again, longer
        assertEquals(BreakerState.OPEN, status(we).breaker());
        assertEquals(10_000, router.state().get("westeurope").breaker.lastOpenMillis());
        ctx.clock.advance(Duration.ofSeconds(11));
        router.probeNow();
        assertEquals(15_000, router.state().get("westeurope").breaker.lastOpenMillis(), "capped at maxOpenTime");
        ctx.ok("westeurope", 5);
        ctx.clock.advance(Duration.ofSeconds(16));
        router.probeNow();
        router.probeNow();
        assertEquals(BreakerState.CLOSED, status(we).breaker());
    }

    @Test
    void throttlingFromRetryAfterOr429WithoutIt() {
        start(NearestRegionRouter.builder());
        assertTrue(router.tryAcquire(we));
        router.onAttemptEnd(we, attempt(we, AttemptOutcome.SERVER_ERROR, 503, 5, Duration.ofSeconds(7)));
        RoutePlan p = router.plan(GET);
        assertFalse(names(p).contains("westeurope"));
        assertEquals(ctx.clock.instant().plusSeconds(7), p.retryAt());
        assertEquals(BreakerState.CLOSED, status(we).breaker(), "503 with Retry-After throttles, never trips");

        assertTrue(router.tryAcquire(ne));
        router.onAttemptEnd(ne, attempt(ne, AttemptOutcome.THROTTLED, 429, 5, null));
        assertEquals(ctx.clock.instant().plusSeconds(1), status(ne).throttledUntil(), "default backoff 1 s");
        ctx.clock.advance(Duration.ofMillis(1001));
        assertTrue(names(router.plan(GET)).contains("northeurope"));
        assertTrue(router.tryAcquire(ne));
        router.onAttemptEnd(ne, attempt(ne, AttemptOutcome.THROTTLED, 429, 5, null));
        assertEquals(ctx.clock.instant().plusSeconds(2), status(ne).throttledUntil(), "grows on repeats");

        ctx.clock.advance(Duration.ofSeconds(8));
        assertEquals(3, router.plan(GET).regions().size(), "every throttle over");
        assertNull(router.plan(GET).retryAt());
    }

    @Test
    void concurrencyLimitSpillsOverAtOnce() {
        start(NearestRegionRouter.builder().concurrencyLimit("westeurope", 2));
        assertTrue(router.tryAcquire(we));
        assertTrue(router.tryAcquire(we));
        assertFalse(router.tryAcquire(we), "third concurrent attempt spills over");
        assertEquals(2, status(we).inFlight());
        router.onAttemptEnd(we, attempt(we, AttemptOutcome.SUCCESS, 200, 5, null));
        assertTrue(router.tryAcquire(we));
        router.onAttemptEnd(we, attempt(we, AttemptOutcome.REJECTED, 0, 0, null));
        router.onAttemptEnd(we, attempt(we, AttemptOutcome.CANCELLED, 0, 0, null));
        assertEquals(0, status(we).inFlight());
        assertEquals(BreakerState.CLOSED, status(we).breaker());
    }

    @Test
    void panicPlansEveryRegionOrNoneWhenOff() {
        start(NearestRegionRouter.builder().breaker(BreakerOptions.builder().consecutiveFailures(1).build()));
        for (Region r : List.of(we, ne, us)) {
            call(r, AttemptOutcome.CONNECT_FAILED, 0);
        }
        RoutePlan p = router.plan(GET);
        assertTrue(p.isPanic());
        assertEquals(3, p.regions().size());
        assertTrue(router.tryAcquire(we), "panic admits an open region");
        router.onAttemptEnd(we, attempt(we, AttemptOutcome.CONNECT_FAILED, 0, 1, null));

        router.close();
        StubContext other = new StubContext(we, ne, us);
        try {
            NearestRegionRouter strict = NearestRegionRouter.builder().manualProbes().panic(false)
                .breaker(BreakerOptions.builder().consecutiveFailures(1).build()).build();
            strict.start(other);
            for (Region r : List.of(we, ne, us)) {
                assertTrue(strict.tryAcquire(r));
                strict.onAttemptEnd(r, attempt(r, AttemptOutcome.SERVER_ERROR, 500, 1, null));
            }
            RoutePlan none = strict.plan(GET);
            assertTrue(none.regions().isEmpty());
            assertEquals(3, none.unavailable().size(), none.toString());
            strict.close();
        } finally {
            other.close();
        }
    }

    @Test
    void passingProbesEndALongOpenWaitEarly() {
        start(NearestRegionRouter.builder().failbackDwell(Duration.ofSeconds(1)).slowStart(Duration.ZERO)
            .breaker(BreakerOptions.builder().consecutiveFailures(2).openTime(Duration.ofMinutes(1)).build()));
        ctx.ok("westeurope", 5);
        ctx.ok("northeurope", 20);
        ctx.ok("eastus", 60);
        router.probeNow();
        assertEquals(List.of("westeurope", "northeurope", "eastus"), names(router.plan(GET)));
        call(we, AttemptOutcome.SERVER_ERROR, 503);
        call(we, AttemptOutcome.SERVER_ERROR, 503);
        assertEquals(BreakerState.OPEN, status(we).breaker());
        assertEquals(List.of("northeurope", "eastus"), names(router.plan(GET)));
        // The region recovers: its probes pass long before the one-minute open wait is over.
        for (int i = 0; i < 4; i++) {
            ctx.clock.advance(Duration.ofMillis(500));
            router.probeNow();
        }
        assertEquals(BreakerState.CLOSED, status(we).breaker(), "probes ended the open wait and passed the trials");
        assertEquals(List.of("breaker westeurope CLOSED->OPEN", "breaker westeurope OPEN->CLOSED"),
            ctx.events.stream().filter(e -> e.startsWith("breaker westeurope")).toList(), "listeners see each transition once");
        ctx.clock.advance(Duration.ofMillis(1_100));
        assertEquals("westeurope", names(router.plan(GET)).get(0), "traffic is back after the dwell, not the open time");
    }

    @Test
    void linkDownKeepsOpenTimesShortAndRecoversAtOnce() {
        start(NearestRegionRouter.builder().failbackDwell(Duration.ofSeconds(30))
            .breaker(BreakerOptions.builder().consecutiveFailures(1).openTime(Duration.ofSeconds(5))
                .maxOpenTime(Duration.ofMinutes(2)).build()));
        for (Region r : List.of(we, ne, us)) {
            ctx.refused(r.name());
            call(r, AttemptOutcome.CONNECT_FAILED, 0);
        }
        assertTrue(router.link().isDown());
        for (int round = 0; round < 4; round++) {
            ctx.clock.advance(Duration.ofSeconds(6));
            router.probeNow();
        }
        for (Region r : List.of(we, ne, us)) {
            assertEquals(5_000, router.state().get(r.name()).breaker.lastOpenMillis(), "open time stays at the base while the link is down");
            assertEquals(BreakerState.OPEN, status(r).breaker());
        }
        ctx.ok("westeurope", 5);
        ctx.ok("northeurope", 9);
        ctx.ok("eastus", 30);
        router.probeNow(); // no clock movement: no waiting out open times, no dwell
        assertFalse(router.link().isDown());
        RoutePlan p = router.plan(GET);
        assertFalse(p.isPanic());
        assertEquals(List.of("westeurope", "northeurope", "eastus"), names(p));
        for (Region r : List.of(we, ne, us)) {
            assertEquals(BreakerState.CLOSED, status(r).breaker());
            assertEquals(RegionHealth.HEALTHY, status(r).health());
            assertEquals(1.0, status(r).weight());
        }
    }

    @Test
    void weightedStrategySharesTrafficByWeight() {
        StubContext wctx = new StubContext(Region.builder("a", "https://a.example").weight(300).build(),
            Region.builder("b", "https://b.example").weight(100).build());
        try {
            NearestRegionRouter w = NearestRegionRouter.builder().manualProbes().strategy(RoutingStrategy.WEIGHTED)
                .build();
            w.start(wctx);
            Map<String, Integer> firsts = new HashMap<>();
            for (int i = 0; i < 4000; i++) {
                firsts.merge(w.plan(GET).regions().get(0).name(), 1, Integer::sum);
            }
            assertTrue(firsts.get("a") > 2600 && firsts.get("b") > 700, firsts.toString());
            w.close();
        } finally {
            wctx.close();
        }
    }

    @Test
    void optionsValidate() {
        assertThrows(IllegalArgumentException.class, () -> HealthProbeOptions.builder().path("health"));
        assertThrows(IllegalArgumentException.class, () -> HealthProbeOptions.builder().jitter(0.9));
        assertThrows(IllegalStateException.class, () -> BreakerOptions.builder().window(3).minimumCalls(5).build());
        assertThrows(IllegalArgumentException.class, () -> NearestRegionRouter.builder().hysteresis(1.5, Duration.ZERO));
        assertThrows(NullPointerException.class, () -> NearestRegionRouter.builder().lastKnownGood(null));
        assertEquals(HealthProbeOptions.HOST_PING_PATH, HealthProbeOptions.hostPing().path());
        assertFalse(HealthProbeOptions.disabled().isEnabled());
    }
}
