package io.branchline.routing;

import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.core.RoutePlan;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plan compiler as a table: region views, the time and the configuration in; plans out. No threads, no clock,
 * no network.
 */
class PlanCompilerTest {
    private static final long NOW = 1_000_000;
    private static final long NONE = Long.MIN_VALUE;
    private static final Duration FLOOR = Duration.ofMillis(20);
    private static final Duration CEILING = Duration.ofSeconds(2);

    /** One row: what the compiler is given and what the first plan must say. */
    record Row(String rule, UnaryOperator<NearestRegionRouterBuilder> cfg, boolean hysteresis, List<RegionView> rankBefore,
        String firstPlan, String unavailable, boolean panic, int plans, Long validUntil, Long hedgeMillis,
        String retryAt) {
        @Override
        public String toString() {
            return rule;
        }
    }

    private static RegionView region(int index, String name, double millis) {
        return view(index, name, millis, BreakerState.CLOSED, NONE, RegionHealth.HEALTHY, NONE, NONE, -1, 1, 100);
    }

    private static RegionView view(int index, String name, double millis, BreakerState breaker, long openUntil,
        RegionHealth health, long throttledUntil, long recoveredAt, long hedgeMillis, int priority, int weight) {
        Region r = Region.builder(name, "https://" + name + ".example").priority(priority).weight(weight).build();
        return new RegionView(index, r, Double.isNaN(millis) ? Double.NaN : millis * 1e6, breaker, openUntil, health,
            "probe failed", throttledUntil, recoveredAt, hedgeMillis < 0 ? -1 : hedgeMillis * 1_000_000);
    }

    private static RegionView with(RegionView v, BreakerState breaker, long openUntil) {
        return new RegionView(v.index(), v.region(), v.scoreNanos(), breaker, openUntil, v.health(), v.healthReason(),
            v.throttledUntilMillis(), v.recoveredAtMillis(), v.hedgeNanos());
    }

    private static RegionView health(RegionView v, RegionHealth h) {
        return new RegionView(v.index(), v.region(), v.scoreNanos(), v.breaker(), v.openUntilMillis(), h,
            v.healthReason(), v.throttledUntilMillis(), v.recoveredAtMillis(), v.hedgeNanos());
    }

    private static RegionView throttled(RegionView v, long until) {
        return new RegionView(v.index(), v.region(), v.scoreNanos(), v.breaker(), v.openUntilMillis(), v.health(),
            v.healthReason(), until, v.recoveredAtMillis(), v.hedgeNanos());
    }

    private static RegionView recovered(RegionView v, long at) {
        return new RegionView(v.index(), v.region(), v.scoreNanos(), v.breaker(), v.openUntilMillis(), v.health(),
            v.healthReason(), v.throttledUntilMillis(), at, v.hedgeNanos());
    }

    private static RegionView hedge(RegionView v, long millis) {
        return new RegionView(v.index(), v.region(), v.scoreNanos(), v.breaker(), v.openUntilMillis(), v.health(),
            v.healthReason(), v.throttledUntilMillis(), v.recoveredAtMillis(), millis * 1_000_000);
    }

    private static Row row(String rule, UnaryOperator<NearestRegionRouterBuilder> cfg, List<RegionView> views,
        String firstPlan, String unavailable) {
        return new Row(rule, cfg, true, views, firstPlan, unavailable, false, 1, null, null, null);
    }

    static Stream<Row> rows() {
        RegionView a = region(0, "a", 60);
        RegionView b = region(1, "b", 20);
        RegionView c = region(2, "c", 5);
        UnaryOperator<NearestRegionRouterBuilder> defaults = x -> x;
        UnaryOperator<NearestRegionRouterBuilder> noProbes = x -> x.healthProbe(HealthProbeOptions.disabled());
        long dwell = NearestRegionRouter.DEFAULT_FAILBACK_DWELL.toMillis();
        long slow = NearestRegionRouter.DEFAULT_SLOW_START.toMillis();
        return Stream.of(
            row("nearest first", defaults, List.of(a, b, c), "c>b>a", ""),
            row("hysteresis: 9 ms does not take the lead from 10 ms (needs 20 % and 5 ms)", defaults,
                List.of(region(0, "a", 10), region(1, "b", 9)), "a>b", ""),
            row("hysteresis: 4 ms takes the lead from 10 ms", defaults,
                List.of(region(0, "a", 10), region(1, "b", 4)), "b>a", ""),
            new Row("no hysteresis while the first ranking is measured: 9 ms leads 10 ms", defaults, false,
                List.of(region(0, "a", 10), region(1, "b", 9)), "b>a", "", false, 1, null, null, null),
            row("unmeasured regions follow measured ones", defaults,
                List.of(region(0, "a", Double.NaN), b), "b>a", ""),
            new Row("open circuit waiting out its open time is left out until then", defaults, true,
                List.of(a, b, with(c, BreakerState.OPEN, NOW + 3_000)), "b>a", "c", false, 1, NOW + 3_000, null, null),
            row("open time over, probes on: a trial region is a last resort", defaults,
                List.of(a, b, with(c, BreakerState.OPEN, NOW - 1)), "b>a>c", ""),
            row("half-open without probes: calls are its trials, in rank order", noProbes,
                List.of(a, b, with(c, BreakerState.HALF_OPEN, NONE)), "c>b>a", ""),
            row("unhealthy is left out", defaults, List.of(a, b, health(c, RegionHealth.UNHEALTHY)), "b>a", "c"),
            new Row("throttled is left out, retryAt and validity follow the throttle", defaults, true,
                List.of(a, b, throttled(c, NOW + 3_000)), "b>a", "c", false, 1, NOW + 3_000, null,
                "1970-01-01T00:16:43Z"),
            row("pinned region first whatever its distance", x -> x.pin("a"), List.of(a, b, c), "a>c>b", ""),
            row("pinned but unhealthy: not first", x -> x.pin("a"),
                List.of(health(a, RegionHealth.UNHEALTHY), b, c), "c>b", "a"),
            row("priority strategy: lowest priority number first, nearest among equals",
                x -> x.strategy(RoutingStrategy.PRIORITY),
                List.of(view(0, "a", 60, BreakerState.CLOSED, NONE, RegionHealth.HEALTHY, NONE, NONE, -1, 1, 100),
                    view(1, "b", 20, BreakerState.CLOSED, NONE, RegionHealth.HEALTHY, NONE, NONE, -1, 2, 100),
                    view(2, "c", 5, BreakerState.CLOSED, NONE, RegionHealth.HEALTHY, NONE, NONE, -1, 2, 100)),
                "a>c>b", ""),
            new Row("panic: every region out, all tried in rank order", defaults, true,
                List.of(health(a, RegionHealth.UNHEALTHY), health(b, RegionHealth.UNHEALTHY),
                    health(c, RegionHealth.UNHEALTHY)), "c>b>a", "", true, 1, null, null, null),
            new Row("panic leaves throttled regions out", defaults, true,
                List.of(health(a, RegionHealth.UNHEALTHY), throttled(b, NOW + 1_000), health(c, RegionHealth.UNHEALTHY)),
                "c>a", "b", true, 1, null, null, "1970-01-01T00:16:41Z"),
            new Row("panic off: no region, every reason", x -> x.panic(false), true,
                List.of(health(a, RegionHealth.UNHEALTHY), health(b, RegionHealth.UNHEALTHY),
                    health(c, RegionHealth.UNHEALTHY)), "", "a,b,c", false, 1, null, null, null),
            new Row("failback dwell: recovered 8 s ago (dwell 10 s), only a last resort until the dwell ends", defaults,
                true, List.of(a, b, recovered(c, NOW - 8_000)), "b>a>c", "", false, 1, NOW - 8_000 + dwell, null, null),
            new Row("slow start: half-way through, two plans split traffic", defaults, true,
                List.of(a, b, recovered(c, NOW - dwell - slow / 2)), "c>b>a", "", false, 2, null, null, null),
            row("slow start over: full share", defaults, List.of(a, b, recovered(c, NOW - dwell - slow)), "c>b>a", ""),
            new Row("weighted: one plan per available region", x -> x.strategy(RoutingStrategy.WEIGHTED), true,
                List.of(a, b, c), "c>b>a", "", false, 3, null, null, null),
            new Row("hedge delay: the leader's percentile", defaults, true, List.of(a, b, hedge(c, 35)), "c>b>a", "",
                false, 1, null, 35L, null),
            new Row("hedge delay: never below the floor", defaults, true, List.of(a, b, hedge(c, 3)), "c>b>a", "",
                false, 1, null, 20L, null),
            new Row("hedge delay: the ceiling only while nothing is known", defaults, true, List.of(a, b, c), "c>b>a",
                "", false, 1, Snapshot.UNBOUNDED, 2_000L, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void compiles(Row row) {
        RouterConfig cfg = row.cfg().apply(NearestRegionRouter.builder()).config();
        Snapshot s = PlanCompiler.compile(row.rankBefore().toArray(new RegionView[0]), NOW, cfg, FLOOR, CEILING,
            row.hysteresis());
        RoutePlan p = s.plans[0];
        assertEquals(row.firstPlan(), p.regions().stream().map(Region::name).collect(Collectors.joining(">")), row.rule());
        assertEquals(row.unavailable(), String.join(",", new TreeSet<>(p.unavailable().keySet())), row.rule());
        assertEquals(row.panic(), p.isPanic(), row.rule());
        assertEquals(row.plans(), s.plans.length, row.rule());
        if (row.validUntil() != null) {
            assertEquals(row.validUntil().longValue(), s.validUntilMillis, row.rule());
        }
        if (row.hedgeMillis() != null) {
            assertEquals(Duration.ofMillis(row.hedgeMillis()), p.hedgeDelay(), row.rule());
        }
        assertEquals(row.retryAt(), p.retryAt() == null ? null : p.retryAt().toString(), row.rule());
    }

    @org.junit.jupiter.api.Test
    void slowStartSharesTrafficByTheRampAndTheWeightedStrategyByWeight() {
        RegionView a = region(0, "a", 60);
        RegionView b = region(1, "b", 20);
        RegionView c = region(2, "c", 5);
        long dwell = NearestRegionRouter.DEFAULT_FAILBACK_DWELL.toMillis();
        long slow = NearestRegionRouter.DEFAULT_SLOW_START.toMillis();
        RouterConfig cfg = NearestRegionRouter.builder().config();
        Snapshot s = PlanCompiler.compile(new RegionView[] {a, b, recovered(c, NOW - dwell - slow / 2)}, NOW, cfg,
            FLOOR, CEILING, true);
        // half-way: 10 % + 90 % / 2 = 55 % to the recovered region, the rest to the next one
        assertEquals("[550, 1000]", Arrays.toString(s.cumulative));
        assertEquals("b", s.plans[1].regions().get(0).name());
        assertEquals(0.55, PlanCompiler.failbackShare(NOW - dwell - slow / 2, NOW, dwell, slow), 1e-9);
        assertEquals(0.0, PlanCompiler.failbackShare(NOW - 1, NOW, dwell, slow));
        assertEquals(1.0, PlanCompiler.failbackShare(NONE, NOW, dwell, slow));

        RouterConfig weighted = NearestRegionRouter.builder().strategy(RoutingStrategy.WEIGHTED).config();
        RegionView heavy = view(0, "heavy", 60, BreakerState.CLOSED, NONE, RegionHealth.HEALTHY, NONE, NONE, -1, 1, 300);
        RegionView light = view(1, "light", 5, BreakerState.CLOSED, NONE, RegionHealth.HEALTHY, NONE, NONE, -1, 1, 100);
        Snapshot w = PlanCompiler.compile(new RegionView[] {heavy, light}, NOW, weighted, FLOOR, CEILING, true);
        assertEquals("[10000, 40000]", Arrays.toString(w.cumulative), "weights 100 (light, nearest) and 300 (heavy)");
        assertEquals("light", w.plans[0].regions().get(0).name());
        assertEquals("heavy", w.plans[1].regions().get(0).name());
    }

    @org.junit.jupiter.api.Test
    void requestPreferencesReorderAndExclude() {
        RouterConfig cfg = NearestRegionRouter.builder().config();
        Snapshot s = PlanCompiler.compile(new RegionView[] {region(0, "a", 60), region(1, "b", 20),
            health(region(2, "c", 5), RegionHealth.UNHEALTHY)}, NOW, cfg, FLOOR, CEILING, true);
        RoutePlan base = s.plans[0];
        RoutePlan p = base.forRequest(FunctionRequest.get("/x").preferRegions("a").build());
        assertEquals(List.of("a", "b"), p.regions().stream().map(Region::name).toList());
        p = base.forRequest(FunctionRequest.get("/x").excludeRegions("b", "c").build());
        assertEquals(List.of("a"), p.regions().stream().map(Region::name).toList());
        assertEquals("excluded by the request", p.unavailable().get("b"));
        assertEquals("excluded by the request", p.unavailable().get("c"));
        assertTrue(base.forRequest(FunctionRequest.get("/x").build()) == base, "no preference: the same plan");
    }
}
