package io.branchline.routing;

import io.branchline.core.CallListener;
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.NoRegionAvailableException;
import io.branchline.core.Route;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.RegionStatus;
import io.branchline.testkit.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every answer and every failure says why the call went where it went: the plan's reasons per region and why each
 * attempt was sent; the branch's link going down and back is an event and a status field.
 */
class RouteExplanationTest {
    private Fixture f;

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void aSuccessSaysItWentToTheNearestAndByHowMuch() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder(), Fixture.failover().build());
        f.router.probeNow();
        f.router.probeNow();
        Route route = f.get().route();
        Route.Candidate first = route.plan().get(0);
        assertEquals("westeurope", first.region());
        assertEquals("nearest", first.reason());
        assertEquals(Duration.ofMillis(5), first.score());
        assertTrue(first.detail().contains("nearest by 15 ms"), first.detail());
        assertEquals("ranked", route.plan().get(1).reason());
        assertEquals("northeurope", route.plan().get(1).region());
        assertEquals(1, route.steps().size());
        assertEquals("first", route.steps().get(0).why());
        assertEquals("westeurope(nearest)", route.compact());
        assertFalse(route.isStale());
    }

    @Test
    void aFailoverSaysWhatTheRegionBeforeDid() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder(), Fixture.failover().build());
        f.router.probeNow();
        f.region("westeurope").fault(Fault.down());
        FunctionResponse r = f.get();
        assertEquals("northeurope", r.region().name());
        Route route = r.route();
        assertEquals("failover", route.steps().get(1).why());
        assertEquals("failover after CONNECT_FAILED in westeurope", route.steps().get(1).detail());
        assertEquals("westeurope(nearest)>northeurope(failover:CONNECT_FAILED)", route.compact());
    }

    @Test
    void aHedgeSaysAfterHowLong() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder(), FailoverOptions.builder()
            .hedgeDelayBounds(Duration.ofMillis(40), Duration.ofMillis(40)).build());
        f.router.probeNow();
        f.region("westeurope").fault(Fault.blackhole());
        FunctionResponse r = f.get();
        assertEquals("northeurope", r.region().name());
        Route.Step hedge = r.route().steps().get(1);
        assertEquals("hedge", hedge.why());
        assertTrue(hedge.attempt().hedged());
        assertEquals("westeurope(nearest)>northeurope(hedge:40ms)", r.route().compact());
    }

    @Test
    void pinnedAndPreferredRegionsSaySo() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder().pin("eastus"), Fixture.failover().build());
        f.router.probeNow();
        Route pinned = f.get().route();
        assertEquals("pinned", pinned.plan().get(0).reason());
        assertEquals("eastus(pinned)", pinned.compact());
        Route preferred = f.client.invoke(FunctionRequest.get("/api/orders").preferRegions("northeurope")
            .excludeRegions("westeurope").build()).route();
        assertEquals("northeurope(preferred)", preferred.compact());
        Route.Candidate excluded = preferred.leftOut().stream().filter(c -> c.region().equals("westeurope"))
            .findFirst().orElseThrow();
        assertEquals("excluded", excluded.reason());
    }

    @Test
    void aFailureNamesEveryRegionLeftOutAndWhy() {
        f = Fixture.threeRegions().start(Fixture.routerBuilder().panic(false)
            .breaker(BreakerOptions.builder().consecutiveFailures(1).build()), Fixture.failover().build());
        f.router.probeNow();
        f.sim.regions().forEach(r -> r.fault(Fault.serverError(503)));
        FunctionCallException first = assertThrows(FunctionCallException.class, f::get);
        assertEquals(AttemptOutcome.SERVER_ERROR, first.route().steps().get(0).attempt().outcome());
        NoRegionAvailableException none = assertThrows(NoRegionAvailableException.class, f::get);
        List<Route.Candidate> out = none.route().leftOut();
        assertEquals(3, out.size(), out.toString());
        for (Route.Candidate c : out) {
            assertEquals("breaker-open", c.reason(), c.toString());
            assertTrue(c.detail().startsWith("circuit open until"), c.detail());
        }
        assertEquals("-", none.route().compact());
    }

    @Test
    void theBranchLinkGoingDownAndBackIsReportedOnceEachAndShownInStatus() {
        List<String> events = new CopyOnWriteArrayList<>();
        CallListener listener = new CallListener() {
            @Override
            public void branchLinkDown(String reason) {
                events.add("down: " + reason);
            }

            @Override
            public void branchLinkRestored(Duration downFor) {
                events.add("up after " + downFor.toSeconds() + " s");
            }
        };
        f = Fixture.threeRegions().start(Fixture.routerBuilder(), Fixture.failover().build(), b -> b.addListener(listener));
        f.router.probeNow();
        assertFalse(f.client.regionStatus().get(0).branchLinkDown());
        f.sim.branchLinkDown();
        for (int i = 0; i < 3; i++) {
            assertThrows(FunctionCallException.class, f::get);
            f.router.probeNow();
        }
        assertEquals(1, events.size(), events.toString());
        assertTrue(events.get(0).startsWith("down: every region refused connections"), events.toString());
        for (RegionStatus s : f.client.regionStatus()) {
            assertTrue(s.branchLinkDown(), s.toString());
        }
        f.clock.advance(Duration.ofSeconds(12));
        f.sim.branchLinkUp();
        f.router.probeNow();
        f.get();
        f.router.probeNow();
        assertEquals(List.of(events.get(0), "up after 12 s"), events);
        for (RegionStatus s : f.client.regionStatus()) {
            assertFalse(s.branchLinkDown(), s.toString());
        }
    }
}
