package io.branchline.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchline.core.CallInfo;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.IngestionRequest;
import io.branchline.testkit.ManualClock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What flush() reports, how fast the exporter notices that ingestion answers again, and what close() keeps when
 * ingestion hangs. Time is a manual clock; waits are on the endpoint's counters, never sleeps.
 */
class RecoveryAndFlushTest {
    @TempDir
    Path spool;

    private IngestionEndpoint endpoint;

    @BeforeEach
    void start() {
        endpoint = IngestionEndpoint.start();
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    private AzureMonitorExporter.Builder exporter(ManualClock clock) {
        return TestSupport.exporter(endpoint, spool).flushInterval(Duration.ofHours(1)).clock(clock);
    }

    @Test
    void flushSaysEverythingWasDelivered() {
        try (AzureMonitorExporter exporter = exporter(new ManualClock()).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(4);
            FlushResult r = exporter.flush(TestSupport.WAIT);
            assertEquals(new FlushResult(4, 0, 0, true), r);
            assertTrue(r.allDelivered());
            assertEquals(4, endpoint.acceptedCount(), "accepted before flush returned");
        }
    }

    @Test
    void flushWhileIngestionIsDownSaysTheItemsWereSpooled() {
        endpoint.down();
        try (AzureMonitorExporter exporter = exporter(new ManualClock()).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(3);
            FlushResult r = exporter.flush(TestSupport.WAIT);
            assertEquals(new FlushResult(0, 3, 0, true), r);
            assertFalse(r.allDelivered());
        }
    }

    /** The flaw measured before: flush() returned at once while the back-off timer still held the spool. */
    @Test
    void flushRightAfterIngestionReturnsDeliversTheSpoolBeforeReturning() {
        ManualClock clock = new ManualClock();
        endpoint.respondWith(503, IngestionEndpoint.UNTIL_RESET);
        try (AzureMonitorExporter exporter = exporter(clock).maxBatchItems(2).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(6);
            assertEquals(new FlushResult(0, 6, 0, true), exporter.flush(TestSupport.WAIT));
            assertTrue(exporter.backoffUntilMillis() > clock.millis(), "backing off");

            endpoint.resetResponses(); // ingestion answers again; the clock does not move
            FlushResult r = exporter.flush(TestSupport.WAIT);
            assertEquals(new FlushResult(6, 0, 0, true), r);
            assertEquals(6, endpoint.acceptedCount(), "accepted before flush returned");
            assertEquals(0, exporter.stats().spoolFiles());
        }
    }

    @Test
    void whileIngestionCannotBeReachedItIsLookedAtEveryHalfSecond() {
        ManualClock clock = new ManualClock();
        endpoint.down();
        try (AzureMonitorExporter exporter = exporter(clock).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(1);
            for (int failure = 1; failure <= 3; failure++) {
                assertEquals(1, exporter.flush(TestSupport.WAIT).spooled());
                long wait = exporter.backoffUntilMillis() - clock.millis();
                assertTrue(wait > 0 && wait <= Sender.NETWORK_RECOVERY_CHECK_MILLIS,
                    "a refused connection costs ingestion nothing: the next look is due in " + wait + " ms");
                clock.advance(Duration.ofMillis(wait));
            }
            endpoint.up();
            assertEquals(new FlushResult(1, 0, 0, true), exporter.flush(TestSupport.WAIT));
        }
    }

    @Test
    void whileIngestionFailsItIsLookedAtEverySecondNotLessOften() {
        ManualClock clock = new ManualClock();
        endpoint.respondWith(503, IngestionEndpoint.UNTIL_RESET);
        try (AzureMonitorExporter exporter = exporter(clock).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(1);
            for (int failure = 1; failure <= 8; failure++) {
                FlushResult r = exporter.flush(TestSupport.WAIT);
                assertEquals(1, r.spooled());
                long wait = exporter.backoffUntilMillis() - clock.millis();
                assertTrue(wait > 0 && wait <= Sender.RECOVERY_CHECK_MILLIS,
                    "after failure " + failure + " the next look is due in " + wait + " ms");
                clock.advance(Duration.ofMillis(wait));
            }
            int before = endpoint.requests().size();
            assertTrue(before >= 8, "every flush looked at ingestion: " + before + " requests");

            // ingestion answers again: the sender's own next look, due now, drains the spool without any flush
            endpoint.resetResponses();
            clock.advance(Duration.ofMillis(Sender.RECOVERY_CHECK_MILLIS));
            assertTrue(endpoint.awaitAccepted(1, TestSupport.WAIT));
            assertEquals(0, exporter.flush(TestSupport.WAIT).spooled());
        }
    }

    @Test
    void retryAfterIsHonouredEvenByAFlush() {
        ManualClock clock = new ManualClock();
        endpoint.respondWith(503, Duration.ofSeconds(20));
        try (AzureMonitorExporter exporter = exporter(clock).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(1);
            exporter.flush(TestSupport.WAIT);
            clock.advance(Duration.ofSeconds(19));
            assertEquals(new FlushResult(0, 1, 0, true), exporter.flush(TestSupport.WAIT));
            assertEquals(1, endpoint.requests().size(), "nothing sent before Retry-After");
            clock.advance(Duration.ofSeconds(1));
            assertEquals(new FlushResult(1, 0, 0, true), exporter.flush(TestSupport.WAIT));
        }
    }

    @Test
    void theSpoolIsDrainedOldestFirstAsSoonAsIngestionAnswersAgain() {
        ManualClock clock = new ManualClock();
        endpoint.respondWith(503, IngestionEndpoint.UNTIL_RESET);
        try (AzureMonitorExporter exporter = exporter(clock).maxBatchItems(1).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(20);
            assertEquals(20, exporter.flush(TestSupport.WAIT).spooled());
            endpoint.resetResponses();
            endpoint.clearRecordings();
            clock.advance(Duration.ofMillis(Sender.RECOVERY_CHECK_MILLIS));
            assertTrue(endpoint.awaitAccepted(20, TestSupport.WAIT));
            List<String> sent = new ArrayList<>();
            for (IngestionRequest r : endpoint.requests()) {
                sent.addAll(DeliveryTest.ids(r.body()));
            }
            List<String> started = calls.started.stream().map(CallInfo::spanId).collect(Collectors.toList());
            assertEquals(new java.util.HashSet<>(started), new java.util.HashSet<>(sent), "every item");
            assertEquals(started.size(), sent.size(), "each once");
            // oldest first: files go in groups of up to DRAIN_IN_FLIGHT at once, so within a group they may arrive
            // in any order, but no file overtakes one more than a group older
            for (int i = 0; i < sent.size(); i++) {
                int age = started.indexOf(sent.get(i));
                assertTrue(Math.abs(age - i) < Sender.DRAIN_IN_FLIGHT, "item " + i + " was the " + age + "th oldest: "
                    + sent + " vs " + started);
            }
        }
    }

    @Test
    void aSpoolIsDrainedSeveralFilesAtOnceOnceIngestionAnswers() {
        endpoint.respondWith(503, IngestionEndpoint.UNTIL_RESET);
        try (AzureMonitorExporter exporter = exporter(new ManualClock()).maxBatchItems(1).build();
             Calls calls = new Calls(exporter)) {
            calls.invoke(2 * Sender.DRAIN_IN_FLIGHT);
            assertEquals(2 * Sender.DRAIN_IN_FLIGHT, exporter.flush(TestSupport.WAIT).spooled());
        }
        // A new exporter on the same spool, ingestion answering but slow to: one file at a time would leave a single
        // request waiting; the drain has DRAIN_IN_FLIGHT of them waiting at once.
        long before = endpoint.requests().size(); // every request so far was answered (503), so recorded
        endpoint.resetResponses();
        endpoint.hang(IngestionEndpoint.UNTIL_RESET);
        try (AzureMonitorExporter exporter = exporter(new ManualClock()).requestTimeout(Duration.ofMinutes(1))
                .closeTimeout(Duration.ofMillis(200)).build()) {
            assertTrue(endpoint.awaitReceived(before + Sender.DRAIN_IN_FLIGHT, TestSupport.WAIT),
                "spool files in flight at once");
        } finally {
            endpoint.resetResponses();
        }
    }

    @Test
    void closeWhileIngestionHangsSpoolsTheBatchInFlightAndLeavesNoTempFile() throws IOException {
        endpoint.hang(IngestionEndpoint.UNTIL_RESET);
        AzureMonitorExporter exporter = TestSupport.exporter(endpoint, spool).requestTimeout(Duration.ofSeconds(60))
            .closeTimeout(Duration.ofSeconds(1)).build();
        try (Calls calls = new Calls(exporter)) {
            calls.invoke(5);
            assertTrue(endpoint.awaitReceived(1, TestSupport.WAIT), "the batch is in flight");
            exporter.close();
        }
        ExporterStats stats = exporter.stats();
        assertEquals(5, stats.spooled(), stats.toString());
        assertEquals(0, stats.droppedTotal(), stats.toString());
        try (Stream<Path> files = Files.list(spool)) {
            List<String> names = files.map(p -> p.getFileName().toString()).collect(Collectors.toList());
            assertTrue(names.stream().noneMatch(n -> n.contains("tmp")), names.toString());
            assertEquals(5, names.stream().filter(n -> n.endsWith(DiskSpool.SUFFIX))
                .mapToLong(n -> DiskSpool.itemCount(Path.of(n))).sum(), names.toString());
        }

        endpoint.resetResponses();
        try (AzureMonitorExporter next = TestSupport.exporter(endpoint, spool).build()) {
            assertTrue(endpoint.awaitAccepted(5, TestSupport.WAIT));
            assertEquals(0, next.flush(TestSupport.WAIT).spooled());
        }
    }

    @Test
    void anUnwritableSpoolIsCountedApartFromAFullOne() throws IOException {
        Path notAFolder = Files.createFile(spool.resolve("not-a-folder"));
        endpoint.down();
        try (AzureMonitorExporter exporter = TestSupport.exporter(endpoint, notAFolder).build();
             Calls calls = new Calls(exporter)) {
            calls.invoke(2);
            FlushResult r = exporter.flush(TestSupport.WAIT);
            assertEquals(new FlushResult(0, 0, 2, true), r);
            assertEquals(2, exporter.stats().dropped(SelfCounters.SPOOL_UNWRITABLE));
            assertEquals(0, exporter.stats().dropped(SelfCounters.SPOOL_FULL));
        }
    }
}
