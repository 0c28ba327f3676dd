package io.branchline.benchmarks;

import io.branchline.telemetry.EnvelopeAccess;
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

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Serialising one RemoteDependency envelope (track v2.1) the way the exporter's sender thread does, against a
 * hand-concatenated string of the same JSON (no escaping, no length cuts): the floor for producing those bytes.
 * The exporter exposes no public path for one envelope, so this goes through
 * {@link EnvelopeAccess} (a benchmark-only class in the telemetry package).
 *
 * <p>Run:
 * <pre>
 * mvn -pl benchmarks exec:java -Dexec.args="EnvelopeSerializationBenchmark -prof gc"
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EnvelopeSerializationBenchmark {
    private EnvelopeAccess access;
    private String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private long durationNanos = 12_345_678L;

    @Setup
    public void setUp() {
        access = EnvelopeAccess.typical();
    }

    @Benchmark
    public byte[] exporterEnvelope() {
        return access.dependency();
    }

    /** The same fields concatenated by hand, with the duration formatted: what no serialiser can beat by much. */
    @Benchmark
    public byte[] baselineConcat() {
        long micros = durationNanos / 1000;
        String duration = String.format("00:00:%02d.%06d", micros / 1_000_000, micros % 1_000_000);
        String json = "{\"ver\":1,\"name\":\"RemoteDependency\","
            + "\"time\":\"2025-01-01T12:00:00.123456Z\",\"iKey\":\"b7a1c0de-0000-4000-8000-000000000001\","
            + "\"tags\":{\"ai.operation.id\":\"" + traceId + "\",\"ai.cloud.role\":\"branchline\","
            + "\"ai.cloud.roleInstance\":\"branch-0042\",\"ai.internal.sdkVersion\":\"branchline-java:0.1.0\"},"
            + "\"data\":{\"baseType\":\"RemoteDependencyData\",\"baseData\":{\"ver\":2,\"id\":\"00f067aa0ba902b7\","
            + "\"name\":\"GET /api/orders/{id}\",\"resultCode\":\"200\","
            + "\"data\":\"https://orders-we.azurewebsites.net/api/orders/42\",\"type\":\"Http\","
            + "\"target\":\"orders-we.azurewebsites.net\",\"duration\":\"" + duration + "\",\"success\":true,"
            + "\"properties\":{\"region\":\"westeurope\",\"attempts\":\"1\",\"failover\":\"false\","
            + "\"hedged\":\"false\",\"branch\":\"branch-0042\"}}}}";
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
