package io.branchline.routing;

import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.TimeoutOptions;
import io.branchline.testkit.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A region whose new instances are warming up (their answers and the health function marked
 * {@code x-branchline-cold-start}) is not judged as failing: no breaker trip from slow or timed-out cold calls, no
 * re-ranking and no inflated hedge delay. A region that fails without the mark still trips.
 */
class ColdStartAwarenessTest {
    private static final FunctionRequest PREFER_WE = FunctionRequest.get("/api/orders").preferRegions("westeurope")
        .build();
    private Fixture f;

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    private Fixture twoRegions() {
        return new Fixture(Fixture.regions("westeurope", 5, "northeurope", 20));
    }

    private BreakerState breaker(String region) {
        return f.router.state().get(region).breaker.state();
    }

    @Test
    void slowAnswersMarkedColdTripNoSlowCallRuleAndMoveNeitherRankingNorHedgeDelay() {
        f = new Fixture(Fixture.regions("westeurope", 5)).start(Fixture.routerBuilder().breaker(BreakerOptions.builder()
            .slowCallThreshold(Duration.ofMillis(100)).minimumCalls(2).window(4).build()), Fixture.failover().build());
        f.router.probeNow();
        f.router.probeNow();
        long hedgeBefore = f.router.state().get("westeurope").latency.hedgeNanos();
        f.region("westeurope").fault(Fault.coldInstances(20, Duration.ofMillis(250)));
        for (int i = 0; i < 5; i++) {
            FunctionResponse r = f.get();
            assertEquals("westeurope", r.region().name());
            assertTrue(r.attempts().get(0).cold(), r.attempts().toString());
            assertTrue(r.attempts().get(0).latency().toMillis() >= 250, r.attempts().toString());
        }
        assertEquals(BreakerState.CLOSED, breaker("westeurope"));
        assertEquals(hedgeBefore, f.router.state().get("westeurope").latency.hedgeNanos());
    }

    @Test
    void aWarmingRegionKeepsItsRankAndStartsOnlyASmallShareOfCalls() {
        f = twoRegions().start(Fixture.routerBuilder(), Fixture.failover().build());
        f.router.probeNow();
        f.router.probeNow();
        f.region("westeurope").fault(Fault.coldInstances(20, Duration.ofMillis(250)));
        f.router.probeNow(); // the health function says its instance is warming up
        f.router.state().maybeRebuild();
        Snapshot s = f.router.state().snapshot;
        assertEquals(f.router.state().get("westeurope").index, s.rank[0]);
        assertEquals(2, s.plans.length);
        assertEquals("westeurope", s.plans[0].regions().get(0).name());
        assertEquals("northeurope", s.plans[1].regions().get(0).name());
        assertEquals(100, s.cumulative[0]);
        assertEquals("warming", s.plans[1].explained().get("westeurope").reason());
        // the mark ends 30 s after the last one: full share again, no failback dwell
        f.region("westeurope").restore();
        f.clock.advance(Duration.ofSeconds(31));
        f.router.state().maybeRebuild();
        assertEquals(1, f.router.state().snapshot.plans.length);
        assertEquals("westeurope", f.firstInPlan());
    }

    @Test
    void aHedgeThatOvertakesAColdRegionAsksItsHealthFunctionAndLearnsItIsWarming() throws Exception {
        f = twoRegions().start(NearestRegionRouter.builder().healthProbe(HealthProbeOptions.builder()
                .interval(Duration.ofHours(1)).timeout(Duration.ofSeconds(2)).build()),
            FailoverOptions.builder().hedgeDelayBounds(Duration.ofMillis(50), Duration.ofMillis(50)).build());
        assertTrue(f.client.awaitReady(Duration.ofSeconds(20)));
        CountDownLatch coldProbe = new CountDownLatch(1);
        f.router.prober().resultObserver(r -> {
            if (r.cold()) {
                coldProbe.countDown();
            }
        });
        f.region("westeurope").fault(Fault.coldInstances(20, Duration.ofSeconds(2)));
        FunctionResponse r = f.get(); // the cold nearest is overtaken by the hedge to northeurope
        assertEquals("northeurope", r.region().name());
        assertTrue(coldProbe.await(20, TimeUnit.SECONDS), "the overtaken region was probed");
        f.router.state().maybeRebuild();
        assertEquals(2, f.router.state().snapshot.plans.length, "the warming region starts a small share of calls");
        assertEquals(BreakerState.CLOSED, breaker("westeurope"));
    }

    @Test
    void theSameSlowAnswersWithoutTheMarkTripTheSlowCallRule() {
        f = new Fixture(Fixture.regions("westeurope", 5)).start(Fixture.routerBuilder().breaker(BreakerOptions.builder()
            .slowCallThreshold(Duration.ofMillis(100)).minimumCalls(2).window(4).build()), Fixture.failover().build());
        f.router.probeNow();
        f.region("westeurope").fault(Fault.coldStart(5, Duration.ofMillis(250)));
        for (int i = 0; i < 2; i++) {
            f.get();
        }
        assertEquals(BreakerState.OPEN, breaker("westeurope"));
    }

    @Test
    void timeoutsWhileTheRegionWarmsUpAndItsProbesPassAreNotFailures() {
        f = twoRegions().start(Fixture.routerBuilder().breaker(BreakerOptions.builder().consecutiveFailures(2).build()),
            Fixture.failover().build(), b -> b.timeouts(TimeoutOptions.builder().connect(Duration.ofSeconds(1))
                .response(Duration.ofMillis(300)).call(Duration.ofSeconds(10)).build()));
        f.region("westeurope").fault(Fault.coldInstances(20, Duration.ofMillis(900)));
        f.router.probeNow(); // the health function says its instance is warming up
        for (int i = 0; i < 4; i++) {
            // the request prefers the warming region, so every call meets it: it times out, the call moves on
            FunctionResponse r = f.client.invoke(PREFER_WE);
            assertEquals("northeurope", r.region().name());
            assertEquals(AttemptOutcome.TIMEOUT, r.attempts().get(0).outcome());
        }
        assertEquals(BreakerState.CLOSED, breaker("westeurope"));
    }

    @Test
    void timeoutsWithoutAColdMarkStillTripTheBreaker() {
        f = twoRegions().start(Fixture.routerBuilder().breaker(BreakerOptions.builder().consecutiveFailures(2).build()),
            Fixture.failover().build(), b -> b.timeouts(TimeoutOptions.builder().connect(Duration.ofSeconds(1))
                .response(Duration.ofMillis(300)).call(Duration.ofSeconds(10)).build()));
        f.router.probeNow();
        f.region("westeurope").fault(Fault.coldStart(20, Duration.ofMillis(900)));
        for (int i = 0; i < 2; i++) {
            assertEquals("northeurope", f.client.invoke(PREFER_WE).region().name());
        }
        assertEquals(BreakerState.OPEN, breaker("westeurope"));
    }
}
