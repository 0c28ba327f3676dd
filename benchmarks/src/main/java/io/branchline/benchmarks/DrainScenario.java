package io.branchline.benchmarks;

import io.branchline.core.CallListener;
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionRequest;
import io.branchline.core.models.ControlChange;
import io.branchline.routing.ControlSource;
import io.branchline.routing.NearestRegionRouter;
import io.branchline.testkit.RegionSimulator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The "drain" scenario: under load at concurrency 8, an operator drains the nearest region by writing
 * {@code exclude=near} into the branch's control file ({@link ControlSource#file}) at 3 s. Branchline runs with every
 * routing default plus that control file. Measured: when the router applied the change, the start of the last call
 * served by the drained region, and failed calls.
 */
final class DrainScenario {
    static final long DRAIN_AT = 3 * ScenarioMain.S;

    /** The figures of one run; times in nanoseconds from the load's origin, -1 when none. */
    record Result(int calls, int failed, long drainWrittenAt, long appliedAt, long lastStartOnDrained,
        int callsStartedOnDrainedAfter, double shareOnDrainedBefore, int onMidAfter, int callsAfter) {
    }

    private DrainScenario() {
    }

    static Result run(long durationNanos) throws Exception {
        Path dir = Files.createTempDirectory("branchline-drain");
        Path file = dir.resolve("control.properties");
        Files.writeString(file, "");
        AtomicLong applied = new AtomicLong(-1);
        CallListener listener = new CallListener() {
            @Override
            public void controlChanged(ControlChange change) {
                if (change.changes().containsKey("exclude")) {
                    applied.compareAndSet(-1, System.nanoTime());
                }
            }
        };
        try (RegionSimulator sim = ScenarioMain.regions(5, 20, 60);
             FunctionClient client = Clients.branchline(sim.regions(),
                 NearestRegionRouter.builder().control(ControlSource.file(file)).build(), listener)) {
            client.awaitReady(java.time.Duration.ofSeconds(5));
            FunctionRequest request = FunctionRequest.get(Callers.PATH).build();
            Callers.Caller caller = new Callers.Caller() {
                @Override
                public int call() {
                    try {
                        return Callers.indexOf(sim.regions(), client.invoke(request).region().name());
                    } catch (FunctionCallException e) {
                        return -1;
                    }
                }

                @Override
                public void close() {
                }
            };
            ScenarioMain.warmUp(caller, 8, 2 * ScenarioMain.S);
            long[] written = {-1};
            ScenarioMain.Action drain = new ScenarioMain.Action(DRAIN_AT, () -> {
                try {
                    Files.writeString(file.resolveSibling("control.tmp"), "exclude=near\n");
                    Files.move(file.resolveSibling("control.tmp"), file,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ScenarioMain.Run run = ScenarioMain.load(caller, 8, durationNanos, Long.MAX_VALUE, List.of(drain));
            written[0] = drain.at;
            LoadResult r = run.result;
            long appliedAt = applied.get() < 0 ? -1 : applied.get() - run.origin;
            long last = -1;
            int after = 0;
            int onMid = 0;
            int total = 0;
            int before = 0;
            int beforeOnNear = 0;
            for (int i = 0; i < r.size; i++) {
                if (r.start[i] >= written[0]) {
                    total++;
                    if (r.region[i] == 0) {
                        after++;
                    } else if (r.region[i] == 1) {
                        onMid++;
                    }
                } else {
                    before++;
                    beforeOnNear += r.region[i] == 0 ? 1 : 0;
                }
                if (r.region[i] == 0) {
                    last = Math.max(last, r.start[i]);
                }
            }
            return new Result(r.size, r.failed(), written[0], appliedAt, last, after,
                before == 0 ? 0 : beforeOnNear / (double) before, onMid, total);
        }
    }
}
