package io.branchline.routing;

import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.core.RoutePlan;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.ProbeResult;
import io.branchline.core.models.RegionHealth;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rules that only show over several probes or calls: hysteresis, the failure-rate trip, what a probe sends and what
 * counts as passing, jitter, the first ranking and the hedge delay. A stub context answers probes from a script and
 * the clock only moves when the test moves it.
 */
class RouterRulesTest {
    private static final FunctionRequest GET = FunctionRequest.get("/api/orders").build();
    private final Region a = Region.of("a", "https://a.example");
    private final Region b = Region.of("b", "https://b.example");
    private final Region c = Region.of("c", "https://c.example");
    private final StubContext ctx = new StubContext(a, b, c);
    private NearestRegionRouter router;

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        if (router != null) {
            router.close();
        }
        ctx.close();
    }

    private NearestRegionRouter manual(NearestRegionRouterBuilder b) {
        router = b.manualProbes().build();
        router.start(ctx);
        return router;
    }

    private String first() {
        return router.plan(GET).regions().get(0).name();
    }

    private void call(Region r, AttemptOutcome o, long millis) {
        assertTrue(router.tryAcquire(r));
        router.onAttemptEnd(r, new Attempt(r.name(), 1, o, o == AttemptOutcome.SUCCESS ? 200 : 500,
            Duration.ofMillis(millis), null, o == AttemptOutcome.SUCCESS ? null : "test", false));
    }

    /** a and b trade places by 1-3 ms every probe: their medians cross, but never by 20 % and 5 ms. */
    private int leaderChanges(NearestRegionRouterBuilder builder) {
        manual(builder);
        ctx.ok("c", 90);
        String leader = null;
        int changes = 0;
        for (int round = 0; round < 12; round++) {
            ctx.ok("a", round % 2 == 0 ? 30 : 33);
            ctx.ok("b", round % 2 == 0 ? 32 : 29);
            router.probeNow();
            String now = first();
            if (leader != null && !leader.equals(now)) {
                changes++;
            }
            leader = now;
        }
        return changes;
    }

    @Test
    void hysteresisKeepsTheLeaderWhenNearEqualRegionsTradePlaces() {
        assertEquals(0, leaderChanges(NearestRegionRouter.builder()));
    }

    @Test
    void withoutHysteresisTheSameNoiseMovesTheLeader() {
        assertTrue(leaderChanges(NearestRegionRouter.builder().hysteresis(0.0, Duration.ZERO)) >= 2,
            "the noise above is enough to flap: the hysteresis test can fail");
    }

    @Test
    void failureRateTripsTheBreakerWithoutFailuresInARow() {
        manual(NearestRegionRouter.builder().breaker(BreakerOptions.builder().consecutiveFailures(5).failureRate(50)
            .window(10).minimumCalls(10).build()));
        for (int i = 0; i < 9; i++) { // 5 failures, 4 successes, never two failures in a row
            call(a, i % 2 == 0 ? AttemptOutcome.SERVER_ERROR : AttemptOutcome.SUCCESS, 5);
        }
        assertEquals(BreakerState.CLOSED, router.status().get(0).breaker(), "not before the minimum calls");
        call(a, AttemptOutcome.SUCCESS, 5); // 5 of 10 failed: 50 %
        assertEquals(BreakerState.OPEN, router.status().get(0).breaker());
    }

    @Test
    void failureRateBelowTheThresholdKeepsTheCircuitClosed() {
        manual(NearestRegionRouter.builder().breaker(BreakerOptions.builder().consecutiveFailures(5).failureRate(50)
            .window(10).minimumCalls(10).build()));
        for (int i = 0; i < 30; i++) { // 1 in 3 fails: 33 %
            call(a, i % 3 == 0 ? AttemptOutcome.SERVER_ERROR : AttemptOutcome.SUCCESS, 5);
        }
        assertEquals(BreakerState.CLOSED, router.status().get(0).breaker());
    }

    @Test
    void probesSendTheConfiguredMethodPathTimeoutAndHeaders() {
        manual(NearestRegionRouter.builder().healthProbe(HealthProbeOptions.builder().method("HEAD")
            .path("/api/ping").timeout(Duration.ofMillis(750)).header("x-probe", "branch-17").build()));
        router.probeNow();
        assertEquals(3, ctx.probesSent.size());
        for (String sent : ctx.probesSent) {
            assertEquals("HEAD /api/ping PT0.75S {x-probe=branch-17}", sent);
        }
    }

    @Test
    void expectedStatusRangeDecidesWhatPasses() {
        manual(NearestRegionRouter.builder().healthProbe(HealthProbeOptions.builder().expectedStatus(200, 204)
            .unhealthyThreshold(1).build()));
        ctx.probeAnswers.put("a", new ProbeResult("a", 204, Duration.ofMillis(5), AttemptOutcome.SUCCESS, null));
        ctx.probeAnswers.put("b", new ProbeResult("b", 205, Duration.ofMillis(5), AttemptOutcome.SUCCESS, null));
        ctx.probeAnswers.put("c", new ProbeResult("c", 199, Duration.ofMillis(5), AttemptOutcome.SUCCESS, null));
        router.probeNow();
        assertEquals(RegionHealth.HEALTHY, router.status().get(0).health(), "204 is within 200-204");
        assertEquals(RegionHealth.UNHEALTHY, router.status().get(1).health(), "205 is above the range");
        assertEquals(RegionHealth.UNHEALTHY, router.status().get(2).health(), "199 is below the range");
        assertTrue(router.plan(GET).unavailable().get("b").contains("HTTP 205"));
    }

    @Test
    void jitterSpreadsTheIntervalWithinItsBounds() {
        assertEquals(800, Prober.probeDelay(1_000, 0.2, false, 0.0));
        assertEquals(1_200, Prober.probeDelay(1_000, 0.2, false, 1.0));
        assertEquals(1_000, Prober.probeDelay(1_000, 0.0, false, 0.93), "no jitter: the interval");
        assertEquals(1_000, Prober.probeDelay(5_000, 0.0, true, 0.5), "link down: at most a second");
        manual(NearestRegionRouter.builder().healthProbe(HealthProbeOptions.builder().interval(Duration.ofSeconds(5))
            .jitter(0.2).build()));
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            long d = router.prober().nextProbeDelay(router.state().get("a"));
            assertTrue(d >= 4_000 && d <= 6_000, "within 5 s ± 20 %: " + d);
            seen.add(d);
        }
        assertTrue(seen.size() > 20, "delays spread, not one value: " + seen.size());
    }

    @Test
    void aRegionThatIsOutIsProbedAtTheUnhealthyIntervalSoItsReturnIsSeenSoon() {
        manual(NearestRegionRouter.builder().healthProbe(HealthProbeOptions.builder().interval(Duration.ofSeconds(5))
            .unhealthyInterval(Duration.ofMillis(500)).jitter(0.0).unhealthyThreshold(2).build()));
        ctx.ok("a", 5);
        router.probeNow();
        RegionState a = router.state().get("a");
        assertEquals(5_000, router.prober().nextProbeDelay(a), "healthy: the interval");
        ctx.refused("a");
        router.probeNow();
        assertEquals(RegionHealth.HEALTHY, router.status().get(0).health(), "one failed probe of two");
        assertEquals(500, router.prober().nextProbeDelay(a), "a failed probe is confirmed or refuted soon");
        router.probeNow();
        assertEquals(RegionHealth.UNHEALTHY, router.status().get(0).health());
        assertEquals(500, router.prober().nextProbeDelay(a), "unhealthy: its return is looked for every 500 ms");
        ctx.ok("a", 5);
        router.probeNow();
        router.probeNow();
        assertEquals(RegionHealth.HEALTHY, router.status().get(0).health());
        assertEquals(5_000, router.prober().nextProbeDelay(a), "back: the interval again");
        assertEquals(Duration.ofSeconds(2), HealthProbeOptions.builder().interval(Duration.ofSeconds(2))
            .unhealthyInterval(Duration.ofSeconds(9)).build().unhealthyInterval(), "never longer than the interval");
    }

    @Test
    void firstRankingIgnoresColdRoundTripsAndThenIsReady() {
        // the first round pays for connections: the nearest region looks the farthest
        ctx.script("a", 580, 5, 6, 5, 5, 5);
        ctx.script("b", 571, 20, 21, 20, 20, 20);
        ctx.script("c", 789, 60, 61, 60, 60, 60);
        ctx.ok("a", 5);
        ctx.ok("b", 20);
        ctx.ok("c", 60);
        router = NearestRegionRouter.builder().lastKnownGood(dir.resolve("routing.state")).build();
        router.start(ctx);
        router.ready().block(Duration.ofSeconds(10));
        assertEquals("a", first());
        assertEquals(java.util.List.of("a", "b", "c"), router.plan(GET).regions().stream().map(Region::name).toList());
        long probes = ctx.probesSent.size();
        assertTrue(probes >= 3 * (1 + Prober.MIN_WARM_ROUNDS) && probes <= 3 * (1 + Prober.MAX_WARM_ROUNDS),
            "quick rounds, bounded: " + probes);
        assertEquals(5.0, router.status().get(0).latency().toNanos() / 1e6, 1.0, "the 580 ms cold round trip is not in it");
    }

    @Test
    void aColdProcessMissingItsFirstProbeTimeoutDoesNotMarkTheRegionDown() {
        ctx.script("a", -2_000, 5, 5, 5, 5, 5);
        ctx.ok("a", 5);
        ctx.ok("b", 20);
        ctx.ok("c", 60);
        router = NearestRegionRouter.builder().healthProbe(HealthProbeOptions.builder().unhealthyThreshold(1).build())
            .build();
        router.start(ctx);
        router.ready().block(Duration.ofSeconds(10));
        assertEquals(RegionHealth.HEALTHY, router.status().get(0).health());
        assertEquals("a", first());
    }

    @Test
    void aRegionFailingItsMeasuredRoundsIsDownWhenReady() {
        ctx.refused("a");
        router = NearestRegionRouter.builder().healthProbe(HealthProbeOptions.builder().unhealthyThreshold(2).build())
            .build();
        router.start(ctx);
        router.ready().block(Duration.ofSeconds(10));
        assertEquals(RegionHealth.UNHEALTHY, router.status().get(0).health());
        assertEquals("b", first());
    }

    @Test
    void aRankingStillBeingMeasuredIsNeverSaved() throws Exception {
        ctx.silent.add("c"); // one region never answers: the first ranking cannot settle before close
        Path file = dir.resolve("routing.state");
        router = NearestRegionRouter.builder().lastKnownGood(file).build();
        router.start(ctx);
        RoutePlan p = router.plan(GET);
        assertFalse(p.regions().isEmpty());
        router.close();
        router.ready().block(Duration.ofSeconds(10)); // completes on close
        assertFalse(Files.exists(file), "no last-known-good file from cold samples");
    }

    @Test
    void routersWithoutProbesAreReadyAtOnce() {
        router = NearestRegionRouter.builder().healthProbe(HealthProbeOptions.disabled()).build();
        router.start(ctx);
        router.ready().block(Duration.ZERO.plusMillis(1));
    }

    @Test
    void hedgeDelayFollowsTheLeadersLatencyFromTheFirstSamples() {
        ctx.failover = FailoverOptions.builder().hedgeDelayBounds(Duration.ofMillis(1), Duration.ofSeconds(2)).build();
        manual(NearestRegionRouter.builder().healthProbe(HealthProbeOptions.disabled()));
        assertEquals(Duration.ofSeconds(2), router.plan(GET).hedgeDelay(), "nothing known yet: the ceiling");
        for (int i = 0; i < 10; i++) {
            call(a, AttemptOutcome.SUCCESS, 10);
        }
        assertEquals(Duration.ofMillis(10), router.plan(GET).hedgeDelay());
        for (int i = 0; i < 40; i++) {
            call(a, AttemptOutcome.SUCCESS, i % 10 == 0 ? 80 : 40);
        }
        assertEquals(Duration.ofMillis(80), router.plan(GET).hedgeDelay(), "p95 of the last 32 calls");
        for (int i = 0; i < 40; i++) {
            call(a, AttemptOutcome.SUCCESS, 12);
        }
        assertEquals(Duration.ofMillis(12), router.plan(GET).hedgeDelay(), "and back down, with no plan rebuild asked");
    }
}
