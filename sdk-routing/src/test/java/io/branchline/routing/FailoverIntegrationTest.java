package io.branchline.routing;

import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.NoRegionAvailableException;
import io.branchline.core.RoutePlan;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.RegionStatus;
import io.branchline.testkit.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real HTTP against the region simulator on 127.0.0.1, with a fake clock for the router. */
class FailoverIntegrationTest {
    private Fixture f;

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    private RegionStatus status(String region) {
        return f.router.status().stream().filter(s -> s.region().equals(region)).findFirst().orElseThrow();
    }

    @Test
    void nearestOfThreeRegionsIsPicked() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder(), Fixture.failover().build());
        f.router.probeNow();
        f.router.probeNow();
        assertEquals("westeurope", f.firstInPlan());
        for (int i = 0; i < 20; i++) {
            assertEquals("westeurope", f.get().region().name());
        }
        assertEquals(0, f.region("eastus").requestCount());
        assertEquals(0, f.region("northeurope").requestCount());
    }

    @Test
    void nearestDownMeansZeroFailedIdempotentCallsAndTrafficMoves() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder(), Fixture.failover().build());
        f.router.probeNow();
        f.get();
        f.region("westeurope").fault(Fault.down());
        int failed = 0;
        for (int i = 0; i < 200; i++) {
            try {
                FunctionResponse r = f.get();
                assertEquals(200, r.statusCode());
            } catch (FunctionCallException e) {
                failed++;
            }
        }
        assertEquals(0, failed);
        assertEquals(BreakerState.OPEN, status("westeurope").breaker());
        assertEquals("northeurope", f.firstInPlan());
        assertTrue(f.region("northeurope").requestCount() >= 200);
    }

    @Test
    void blackholedRegionCostsAtMostTheHedgeDelay() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder(), FailoverOptions.builder()
            .hedgeDelayBounds(Duration.ofMillis(20), Duration.ofMillis(150)).build());
        f.router.probeNow();
        f.region("westeurope").fault(Fault.blackhole());
        for (int i = 0; i < 10; i++) {
            FunctionResponse r = f.get();
            assertEquals("northeurope", r.region().name());
            assertTrue(r.duration().compareTo(Duration.ofSeconds(2)) < 0, "bounded by the hedge, not the 2 s timeout: "
                + r.duration());
        }
        // a POST is never hedged: bounded by the per-attempt timeout, and not replayed since it may have arrived
        long before = f.region("northeurope").requestCount();
        FunctionCallException e = assertThrows(FunctionCallException.class,
            () -> f.client.invoke(FunctionRequest.post("/api/orders").body("{}").preferRegions("westeurope").build()));
        assertEquals(AttemptOutcome.TIMEOUT, e.attempts().get(0).outcome());
        assertEquals(1, e.attempts().size());
        assertEquals(before, f.region("northeurope").requestCount());
    }

    @Test
    void throttledRegionIsSkippedThenUsedAgain() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder(), Fixture.failover().build());
        f.router.probeNow();
        f.region("westeurope").fault(Fault.throttle(Duration.ofSeconds(2)));
        FunctionResponse first = f.get();
        assertEquals("northeurope", first.region().name(), "429 from the Functions host is replayed elsewhere");
        RoutePlan p = f.router.plan(FunctionRequest.get("/api/orders").build());
        assertTrue(p.unavailable().get("westeurope").startsWith("throttled until"), p.toString());
        assertEquals(f.clock.instant().plusSeconds(2), p.retryAt());
        long throttled = f.region("westeurope").requestCount();
        for (int i = 0; i < 10; i++) {
            assertEquals("northeurope", f.get().region().name());
        }
        assertEquals(throttled, f.region("westeurope").requestCount(), "skipped while throttled");
        assertEquals(BreakerState.CLOSED, status("westeurope").breaker(), "429 never trips the breaker");
        f.region("westeurope").restore();
        f.clock.advance(Duration.ofMillis(2001));
        assertEquals("westeurope", f.get().region().name());
    }

    @Test
    void postIsReplayedOnlyWhenItNeverReachedAServer() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder(), Fixture.failover().build());
        f.router.probeNow();
        f.region("westeurope").fault(Fault.serverError(500));
        FunctionCallException e = assertThrows(FunctionCallException.class,
            () -> f.client.invoke(FunctionRequest.post("/api/orders").body("{}").build()));
        assertEquals(500, e.statusCode());
        assertEquals(0, f.region("northeurope").requestCount() + f.region("eastus").requestCount());

        f.region("westeurope").fault(Fault.down());
        FunctionResponse r = f.client.invoke(FunctionRequest.post("/api/orders").body("{}").build());
        assertEquals("northeurope", r.region().name());
        assertEquals(AttemptOutcome.CONNECT_FAILED, r.attempts().get(0).outcome());
    }

    @Test
    void allRegionsDownPanicTriesEachThenNamesThem() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder()
            .breaker(BreakerOptions.builder().consecutiveFailures(1).build()), Fixture.failover().maxAttempts(5).build());
        f.sim.regions().forEach(r -> r.fault(Fault.down()));
        NoRegionAvailableException first = assertThrows(NoRegionAvailableException.class, f::get);
        assertEquals(3, first.attempts().size());
        assertTrue(f.router.plan(FunctionRequest.get("/api/orders").build()).isPanic());
        NoRegionAvailableException panic = assertThrows(NoRegionAvailableException.class, f::get);
        assertEquals(3, panic.attempts().size(), "panic still tries every region");
        for (String name : new String[] {"eastus", "northeurope", "westeurope"}) {
            assertTrue(panic.getMessage().contains(name), panic.getMessage());
        }
    }

    @Test
    void noPanicFailsFastNamingEachRegion() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder().panic(false)
            .breaker(BreakerOptions.builder().consecutiveFailures(1).build()), Fixture.failover().maxAttempts(5).build());
        f.sim.regions().forEach(r -> r.fault(Fault.down()));
        assertThrows(NoRegionAvailableException.class, f::get);
        NoRegionAvailableException e = assertThrows(NoRegionAvailableException.class, f::get);
        assertEquals(0, e.attempts().size());
        assertEquals(3, e.unavailableRegions().size(), e.unavailableRegions().toString());
        assertTrue(e.unavailableRegions().get("westeurope").startsWith("circuit open"));
    }

    @Test
    void retryBudgetCapsAttemptsDuringAFullOutage() {
        f = new Fixture(Fixture.regions("a", 0, "b", 0, "c", 0)).start(Fixture.routerBuilder(),
            Fixture.failover().retryBudgetRatio(0.2).retryBudgetFloor(10).maxAttempts(3).build());
        f.sim.regions().forEach(r -> r.fault(Fault.serverError(503)));
        int calls = 600;
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            assertThrows(FunctionCallException.class, f::get);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long total = f.sim.regions().stream().mapToLong(r -> r.requestCount()).sum();
        // bucket: 20 % of calls + 10 a second + its initial balance (10 s of floor + 100 calls' deposits)
        double bound = calls * 1.2 + 120 + 10 * (seconds + 1);
        assertTrue(total <= bound, "requests " + total + " over the budget " + bound);
        assertTrue(total < calls * 3, "retries were capped");
    }

    @Test
    void failbackWaitsForTheDwellThenRampsUp() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder().failbackDwell(Duration.ofSeconds(10))
            .slowStart(Duration.ofSeconds(10)).breaker(BreakerOptions.builder().openTime(Duration.ofSeconds(5))
                .build()), Fixture.failover().build());
        f.router.probeNow();
        f.region("westeurope").fault(Fault.down());
        for (int i = 0; i < 10; i++) {
            f.get();
        }
        f.router.probeNow();
        f.router.probeNow();
        assertEquals("northeurope", f.firstInPlan());
        f.region("westeurope").restore();
        f.clock.advance(Duration.ofSeconds(6));
        f.router.probeNow();
        f.router.probeNow();
        assertEquals(BreakerState.CLOSED, status("westeurope").breaker());
        // dwell: recovered but still only a last resort
        f.region("westeurope").resetCounts();
        for (int i = 0; i < 20; i++) {
            assertEquals("northeurope", f.get().region().name());
        }
        assertEquals(0, f.region("westeurope").requestCount());
        f.clock.advance(Duration.ofSeconds(10));
        f.clock.advance(Duration.ofMillis(100));
        int near = 0;
        for (int i = 0; i < 200; i++) {
            near += f.get().region().name().equals("westeurope") ? 1 : 0;
        }
        assertTrue(near >= 1 && near <= 80, "ramp starts near 10 %: " + near + " of 200");
        f.clock.advance(Duration.ofSeconds(11));
        for (int i = 0; i < 50; i++) {
            assertEquals("westeurope", f.get().region().name());
        }
    }

    @Test
    void nearEqualRegionsNeverFlap() {
        f = new Fixture(Fixture.regions("a", 30, "b", 32)).start(Fixture.routerBuilder(), Fixture.failover().build());
        for (int i = 0; i < 5; i++) {
            f.router.probeNow();
        }
        String previous = f.firstInPlan();
        int switches = 0;
        java.util.Map<String, Integer> served = new java.util.HashMap<>();
        for (int i = 0; i < 120; i++) {
            String r = f.get().region().name();
            served.merge(r, 1, Integer::sum);
            if (!r.equals(previous)) {
                switches++;
                previous = r;
            }
            if (i % 40 == 0) {
                f.router.probeNow();
            }
        }
        assertTrue(switches <= 1, "traffic flapped " + switches + " times: " + served);
        assertTrue(served.values().stream().mapToInt(Integer::intValue).max().orElse(0) >= 108, served.toString());
    }

    @Test
    void branchLinkDownAndBackRecoversWithoutWaitingOutOpenTimes() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder().breaker(BreakerOptions.builder().consecutiveFailures(2)
            .openTime(Duration.ofSeconds(5)).maxOpenTime(Duration.ofMinutes(5)).build()), Fixture.failover().build());
        f.router.probeNow();
        f.sim.regions().forEach(r -> r.fault(Fault.down()));
        for (int i = 0; i < 5; i++) {
            assertThrows(FunctionCallException.class, f::get);
        }
        f.router.probeNow();
        assertTrue(f.router.link().isDown());
        for (int round = 0; round < 3; round++) {
            f.clock.advance(Duration.ofSeconds(6));
            f.router.probeNow();
            assertThrows(FunctionCallException.class, f::get);
        }
        for (String r : new String[] {"eastus", "northeurope", "westeurope"}) {
            assertEquals(5_000, f.router.state().get(r).breaker.lastOpenMillis());
        }
        f.sim.regions().forEach(r -> r.restore());
        f.router.probeNow(); // the clock does not move: nothing is waited out
        assertFalse(f.router.link().isDown());
        assertFalse(f.router.plan(FunctionRequest.get("/api/orders").build()).isPanic());
        assertEquals("westeurope", f.firstInPlan());
        for (int i = 0; i < 10; i++) {
            assertEquals("westeurope", f.get().region().name());
        }
    }
}
