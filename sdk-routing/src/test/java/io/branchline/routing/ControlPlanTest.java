package io.branchline.routing;

import io.branchline.core.Region;
import io.branchline.core.RoutePlan;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator's control as the plan compiler applies it: parsed values in, plans out. No threads, no network.
 */
class ControlPlanTest {
    private static final long NOW = 1_000_000;
    private static final List<String> NAMES = List.of("we", "ne", "us");
    private static final Region WE = Region.builder("we", "https://orders-we.example")
        .slot("staging", "https://orders-we-staging.example").build();

    private static RegionView view(int index, Region r, double millis) {
        return new RegionView(index, r, millis * 1e6, BreakerState.CLOSED, Long.MIN_VALUE, RegionHealth.HEALTHY, "",
            Long.MIN_VALUE, Long.MIN_VALUE, 30_000_000L);
    }

    private static RegionView[] regions() {
        return new RegionView[] {view(0, WE, 5), view(1, Region.of("ne", "https://orders-ne.example"), 20),
            view(2, Region.of("us", "https://orders-us.example"), 70)};
    }

    private static Snapshot compile(Map<String, String> control, NearestRegionRouterBuilder b) {
        RouterConfig cfg = b.config().withControl(Control.parse(control, "file control.properties", NAMES));
        return PlanCompiler.compile(regions(), NOW, cfg, Duration.ofMillis(20), Duration.ofSeconds(2), true);
    }

    private static Snapshot compile(Map<String, String> control) {
        return compile(control, NearestRegionRouter.builder());
    }

    private static String order(RoutePlan p) {
        StringBuilder sb = new StringBuilder();
        for (Region r : p.regions()) {
            sb.append(sb.length() == 0 ? "" : ">").append(r.name()).append(r.isSlot() ? "@" + r.slotName() : "");
        }
        return sb.toString();
    }

    @Test
    void anExcludedRegionIsLeftOutWithTheControlAsReason() {
        RoutePlan p = compile(Map.of("exclude", "we")).pick();
        assertEquals("ne>us", order(p));
        assertEquals("excluded by control (file control.properties)", p.unavailable().get("we"));
    }

    @Test
    void anExcludedRegionIsNotTriedEvenInPanic() {
        RegionView[] down = regions();
        for (int i = 0; i < down.length; i++) {
            RegionView v = down[i];
            down[i] = new RegionView(v.index(), v.region(), v.scoreNanos(), v.breaker(), v.openUntilMillis(),
                RegionHealth.UNHEALTHY, "probe failed", v.throttledUntilMillis(), v.recoveredAtMillis(), v.hedgeNanos());
        }
        RouterConfig cfg = NearestRegionRouter.builder().config()
            .withControl(Control.parse(Map.of("exclude", "we"), "ops", NAMES));
        RoutePlan p = PlanCompiler.compile(down, NOW, cfg, Duration.ofMillis(20), Duration.ofSeconds(2), true).pick();
        assertTrue(p.isPanic());
        assertEquals("ne>us", order(p));
        assertEquals("excluded by control (ops)", p.unavailable().get("we"));
    }

    @Test
    void aPinPutsTheRegionFirstAndReplacesTheBuiltPins() {
        assertEquals("us>we>ne", order(compile(Map.of("pin", "us"), NearestRegionRouter.builder().pin("ne")).pick()));
        assertEquals("ne>we>us", order(compile(Map.of(), NearestRegionRouter.builder().pin("ne")).pick()));
    }

    @Test
    void hedgingOffDropsTheHedgeDelayAndAnAttemptLimitGoesIntoThePlan() {
        RoutePlan on = compile(Map.of()).pick();
        assertEquals(Duration.ofMillis(30), on.hedgeDelay());
        assertEquals(0, on.maxAttempts());
        RoutePlan off = compile(Map.of("hedge-reads", "false", "max-attempts", "2")).pick();
        assertNull(off.hedgeDelay());
        assertEquals(2, off.maxAttempts());
    }

    @Test
    void weightsReplaceTheRegionsOwnUnderWeightedRouting() {
        Snapshot s = compile(Map.of("weight.we", "1", "weight.ne", "1", "weight.us", "98"),
            NearestRegionRouter.builder().strategy(RoutingStrategy.WEIGHTED));
        Map<String, Integer> first = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            first.merge(s.pick().regions().get(0).name(), 1, Integer::sum);
        }
        assertTrue(first.get("us") > 9_500, first.toString());
    }

    @Test
    void aCanaryPerCallPutsTheChosenRegionsSlotFirstForItsShareThenProduction() {
        Snapshot s = compile(Map.of("canary", "10"));
        int canary = 0;
        for (int i = 0; i < 10_000; i++) {
            RoutePlan p = s.pick();
            if (p.regions().get(0).isSlot()) {
                canary++;
                assertEquals("we@staging>we>ne>us", order(p));
            } else {
                assertEquals("we>ne>us", order(p));
            }
        }
        assertTrue(canary >= 800 && canary <= 1200, canary + " of 10000 plans");
    }

    @Test
    void aCanaryPerBranchTakesTheBranchForEveryCallOrNever() {
        String in = null;
        String out = null;
        for (int i = 0; (in == null || out == null) && i < 1000; i++) {
            String id = "branch-" + i;
            if (Control.branchInCanary(id, 1000)) {
                in = in == null ? id : in;
            } else {
                out = out == null ? id : out;
            }
        }
        Map<String, String> c = Map.of("canary", "10", "canary.by", "branch");
        Snapshot inCanary = compile(c, NearestRegionRouter.builder().branchId(in));
        Snapshot outOfCanary = compile(c, NearestRegionRouter.builder().branchId(out));
        for (int i = 0; i < 1000; i++) {
            assertTrue(inCanary.pick().regions().get(0).isSlot());
            assertFalse(outOfCanary.pick().regions().get(0).isSlot());
        }
        int taken = 0;
        for (int i = 0; i < 10_000; i++) {
            taken += Control.branchInCanary("branch-" + i, 1000) ? 1 : 0;
        }
        assertTrue(taken >= 800 && taken <= 1200, taken + " of 10000 branches");
    }

    @Test
    void aCanaryOfARegionWhoseSlotCircuitIsOpenSendsNothingToTheSlot() {
        RouterConfig cfg = NearestRegionRouter.builder().config()
            .withControl(Control.parse(Map.of("canary", "100"), "ops", NAMES));
        Snapshot s = PlanCompiler.compile(regions(), NOW, cfg, java.util.Set.of("we"), Duration.ofMillis(20),
            Duration.ofSeconds(2), true);
        for (int i = 0; i < 100; i++) {
            assertEquals("we>ne>us", order(s.pick()));
        }
    }

    @Test
    void malformedValuesRejectTheWholeControlAndOtherNamesAreNotChangeable() {
        for (Map.Entry<String, String> bad : Map.of("max-attempts", "11", "hedge-reads", "maybe", "canary", "150",
            "canary.by", "region", "weight.we", "0", "concurrency-limit.we", "lots", "probe-interval", "10ms",
            "exclude", "we;ne").entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Control.parse(Map.of(bad.getKey(), bad.getValue()), "ops", NAMES), bad.toString());
            assertTrue(e.getMessage().contains(bad.getKey() + "=" + bad.getValue()), e.getMessage());
        }
        Control c = Control.parse(Map.of("timeout.connect", "1s", "exclude", "we,mars", "weight.mars", "5"), "ops",
            NAMES);
        assertEquals(List.of("exclude: mars (no such region here)", "timeout.connect", "weight.mars (no such region"
            + " here)"), c.notChangeable);
        assertEquals(java.util.Set.of("we"), c.excluded);
    }
}
