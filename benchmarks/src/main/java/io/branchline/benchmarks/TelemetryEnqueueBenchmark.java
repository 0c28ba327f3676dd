package io.branchline.benchmarks;

import io.branchline.core.CallInfo;
import io.branchline.core.CallListener;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.RegionRouter;
import io.branchline.telemetry.AzureMonitorExporter;
import io.branchline.telemetry.ExporterStats;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.RegionSimulator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What the Azure Monitor exporter costs the caller's thread per call: {@code exporter.callEnd(call, response)}
 * (sampling check, record, non-blocking offer), against the floor of offering a prebuilt object to an
 * {@link ArrayBlockingQueue}. {@code CallInfo} and {@code FunctionResponse} cannot be built outside the core
 * package, so one real call to a local region is made in setup and its objects are captured by a listener.
 *
 * <p>The sender thread drains far slower than the caller can enqueue, so each invocation enqueues a batch of
 * {@value #BATCH} (under the queue's capacity) and the queue is flushed between iterations (single-shot mode): the
 * score is the mean per call of a burst, not of the drop path. Target (issue 6): ≤ 1 µs median. Run:
 * <pre>
 * mvn -pl benchmarks exec:java -Dexec.args="TelemetryEnqueueBenchmark -prof gc"
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 20)
@Measurement(iterations = 30)
@Fork(1)
public class TelemetryEnqueueBenchmark {
    static final int BATCH = 4096;

    private RegionSimulator simulator;
    private IngestionEndpoint ingestion;
    private AzureMonitorExporter exporter;
    private Path spool;
    private CallInfo call;
    private FunctionResponse response;
    private ArrayBlockingQueue<Object> queue;
    private Object prebuilt;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        simulator = RegionSimulator.builder().region("westeurope").recordedRequestLimit(0).build();
        ingestion = IngestionEndpoint.start().recordLimit(0);
        spool = Files.createTempDirectory("branchline-jmh-spool");
        exporter = AzureMonitorExporter.builder().connectionString(ingestion.connectionString()).spoolDirectory(spool)
            .flushInterval(Duration.ofMillis(200)).build();
        Capture capture = new Capture();
        try (FunctionClient client = Clients.branchline(simulator.regions(), RegionRouter.inOrder(), capture)) {
            client.invoke(FunctionRequest.get("/api/orders/42").build());
        }
        call = capture.call;
        response = capture.response;
        if (call == null || response == null) {
            throw new IllegalStateException("the setup call was not captured");
        }
        queue = new ArrayBlockingQueue<>(8193);
        prebuilt = new Object();
    }

    @Setup(Level.Iteration)
    public void drain() {
        if (!exporter.flush(Duration.ofSeconds(30)).completed()) {
            throw new IllegalStateException("exporter did not drain within 30 s: " + exporter.stats());
        }
        queue.clear();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        ExporterStats stats = exporter.stats();
        exporter.close();
        ingestion.close();
        simulator.close();
        if (stats.droppedTotal() > 0) {
            System.err.println("telemetry enqueue: items dropped during the benchmark: " + stats.dropped());
        }
        try (var files = Files.walk(spool)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void exporterCallEnd() {
        for (int i = 0; i < BATCH; i++) {
            exporter.callEnd(call, response);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public boolean baselineQueueOffer() {
        boolean ok = true;
        for (int i = 0; i < BATCH; i++) {
            ok &= queue.offer(prebuilt);
        }
        return ok;
    }

    /** Keeps the objects of the last successful call. */
    static final class Capture extends CallListener {
        volatile CallInfo call;
        volatile FunctionResponse response;

        @Override
        public void callEnd(CallInfo call, FunctionResponse response) {
            this.call = call;
            this.response = response;
        }
    }
}
