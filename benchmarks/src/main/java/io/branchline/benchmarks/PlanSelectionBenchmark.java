package io.branchline.benchmarks;

import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.core.RoutePlan;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.routing.HealthProbeOptions;
import io.branchline.routing.NearestRegionRouter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Route-plan selection on the call path: {@link NearestRegionRouter#plan} with 2, 5 and 10 regions (started with a
 * {@link FakeRouterContext}, probes disabled, latencies learnt from a few synthetic attempts) against the floor of
 * handing out a prebuilt list.
 *
 * <p>Target: ≤ 30 ns/op and 0 B/op (in the steady state the plans hold no deadline, so no clock is read). Run:
 * <pre>
 * mvn -B -q -o -pl benchmarks package -Dmaven.javadoc.skip=true
 * mvn -pl benchmarks exec:java -Dexec.args="PlanSelectionBenchmark -prof gc"
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PlanSelectionBenchmark {
    @Param({"2", "5", "10"})
    public int regions;

    private FakeRouterContext context;
    private NearestRegionRouter router;
    private FunctionRequest request;
    private List<Region> prebuilt;

    @Setup(Level.Trial)
    public void setUp() {
        List<Region> list = FakeRouterContext.regions(regions);
        context = new FakeRouterContext(list);
        router = NearestRegionRouter.builder().healthProbe(HealthProbeOptions.disabled()).build();
        router.start(context);
        // teach it latencies so that the plan is a real ranking (the last region is the nearest)
        for (int round = 0; round < 8; round++) {
            for (int i = 0; i < list.size(); i++) {
                Region r = list.get(i);
                if (router.tryAcquire(r)) {
                    router.onAttemptEnd(r, new Attempt(r.name(), 1, AttemptOutcome.SUCCESS, 200,
                        Duration.ofMillis(5L * (list.size() - i)), null, null, false));
                }
            }
        }
        request = FunctionRequest.get("/api/orders").build();
        prebuilt = router.plan(request).regions();
        if (prebuilt.size() != regions) {
            throw new IllegalStateException("expected a plan of " + regions + " regions, got " + router.plan(request));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        router.close();
        context.close();
    }

    /** The floor: returning a list that already exists. */
    @Benchmark
    public List<Region> baselinePrebuiltList() {
        return prebuilt;
    }

    @Benchmark
    public RoutePlan nearestRouterPlan() {
        return router.plan(request);
    }
}
