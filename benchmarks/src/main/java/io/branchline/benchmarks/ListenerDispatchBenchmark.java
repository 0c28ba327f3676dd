package io.branchline.benchmarks;

import io.branchline.core.CallListener;
import io.branchline.core.Region;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Listener dispatch as the executor does it for one attempt (attemptStart + attemptEnd): {@link CallListener#NONE}
 * (the baseline, what a client without listeners pays) against {@link CallListener#compose} of one and of three
 * no-op listeners. The {@code CallInfo} argument is {@code null}: it cannot be built outside the core package and
 * no-op listeners never read it.
 *
 * <p>Target (issue 6): with none registered ≈ 0. Run:
 * <pre>
 * mvn -pl benchmarks exec:java -Dexec.args="ListenerDispatchBenchmark -prof gc"
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ListenerDispatchBenchmark {
    private CallListener none;
    private CallListener one;
    private CallListener three;
    private Region region;
    private Attempt attempt;

    /** A listener that overrides the events and does nothing, like a user's listener that filters. */
    static final class NoOp extends CallListener {
        @Override
        public void attemptStart(io.branchline.core.CallInfo call, Region region, int attemptNumber, boolean hedge) {
        }

        @Override
        public void attemptEnd(io.branchline.core.CallInfo call, Region region, Attempt attempt) {
        }
    }

    @Setup
    public void setUp() {
        none = CallListener.compose(List.of());
        one = CallListener.compose(List.of(new NoOp()));
        three = CallListener.compose(List.of(new NoOp(), new NoOp(), new NoOp()));
        region = Region.of("westeurope", "http://127.0.0.1:1");
        attempt = new Attempt("westeurope", 1, AttemptOutcome.SUCCESS, 200, Duration.ofMillis(3), null, null, false);
    }

    private void dispatch(CallListener l) {
        l.attemptStart(null, region, 1, false);
        l.attemptEnd(null, region, attempt);
    }

    @Benchmark
    public void baselineNone() {
        dispatch(none);
    }

    @Benchmark
    public void composeOne() {
        dispatch(one);
    }

    @Benchmark
    public void composeThree() {
        dispatch(three);
    }
}
