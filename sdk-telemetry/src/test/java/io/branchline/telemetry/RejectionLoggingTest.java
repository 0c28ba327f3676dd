package io.branchline.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.ManualClock;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operators can see why: ingestion's per-item message in the warning, and HTTP logging under io.branchline. */
class RejectionLoggingTest {
    @TempDir
    Path spool;

    private IngestionEndpoint endpoint;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream original;

    @BeforeEach
    void start() {
        endpoint = IngestionEndpoint.start();
        original = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        System.setErr(original);
        endpoint.close();
    }

    private long warnings(String text) {
        return Arrays.stream(captured.toString(StandardCharsets.UTF_8).split("\n"))
            .filter(l -> l.contains(" WARN ") && l.contains(text)).count();
    }

    @Test
    void theWarningCarriesIngestionsMessageOncePerDistinctMessagePerInterval() {
        ManualClock clock = new ManualClock();
        try (AzureMonitorExporter exporter = TestSupport.exporter(endpoint, spool).flushInterval(Duration.ofHours(1))
            .clock(clock).build(); Calls calls = new Calls(exporter)) {
            endpoint.respondPartial(Map.of(0, 400));
            calls.invoke(2);
            exporter.flush(TestSupport.WAIT);
            endpoint.respondPartial(Map.of(1, 400));
            calls.invoke(2);
            exporter.flush(TestSupport.WAIT);
            assertEquals(1, warnings("Ingestion says: simulated 400"), captured.toString(StandardCharsets.UTF_8));

            endpoint.respondPartial(Map.of(0, 413));
            calls.invoke(2);
            exporter.flush(TestSupport.WAIT);
            assertEquals(1, warnings("Ingestion says: simulated 413"), "a new message is warned at once");

            clock.advance(Duration.ofMillis(WarnOnce.DISTINCT_MESSAGE_INTERVAL_MILLIS));
            endpoint.respondPartial(Map.of(0, 400));
            calls.invoke(2);
            exporter.flush(TestSupport.WAIT);
            assertEquals(2, warnings("Ingestion says: simulated 400"), "warned again after the interval");
            assertEquals(4, exporter.stats().dropped(SelfCounters.REJECTED));
        }
    }

    @Test
    void httpRequestsAreLoggedThroughANamedLoggerUnderIoBranchline() {
        try (AzureMonitorExporter exporter = TestSupport.exporter(endpoint, spool).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(1);
            assertTrue(exporter.flush(TestSupport.WAIT).allDelivered());
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("DEBUG " + HttpLogPolicy.LOGGER_NAME + " - POST " + endpoint.ingestionUrl() + " -> 200 in "),
            log);
        assertTrue(HttpLogPolicy.LOGGER_NAME.startsWith("io.branchline."));
    }
}
