package io.branchline.telemetry;

import io.branchline.testkit.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchline.core.CallInfo;
import io.branchline.testkit.IngestionEndpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk spool: outage, restart, caps, corrupt files, permissions. */
class SpoolTest {
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

    @Test
    void outageSpoolsAndANewExporterDrainsEverythingExactlyOnce() throws IOException {
        endpoint.down();
        List<CallInfo> calls;
        AzureMonitorExporter first = TestSupport.exporter(endpoint, spool).maxBatchItems(4).build();
        try (Calls c = new Calls(first)) {
            c.invoke(10);
            assertTrue(first.flush(TestSupport.WAIT).completed());
            c.invoke(10);
            calls = List.copyOf(c.started);
        } finally {
            first.close(); // what is still queued goes to the spool
        }
        ExporterStats before = first.stats();
        assertEquals(0, before.accepted());
        assertEquals(0, before.droppedTotal());
        assertEquals(20, countSpooledItems());
        assertOwnerOnly();

        endpoint.up();
        try (AzureMonitorExporter second = TestSupport.exporter(endpoint, spool).build()) {
            assertTrue(endpoint.awaitAccepted(20, TestSupport.WAIT));
            assertTrue(second.flush(TestSupport.WAIT).completed());
            assertEquals(0, second.stats().spoolFiles());
        }
        endpoint.assertNoViolations();
        assertEquals(20, endpoint.acceptedCount(), "nothing lost, nothing duplicated");
        Set<String> sent = TestSupport.dependencies(endpoint).stream().map(i -> (String) i.baseData().get("id"))
            .collect(Collectors.toSet());
        assertEquals(calls.stream().map(CallInfo::spanId).collect(Collectors.toSet()), sent);
    }

    @Test
    void spoolCapDropsTheOldestBatchesAndCountsThem() throws IOException {
        endpoint.down();
        List<CallInfo> calls;
        AzureMonitorExporter exporter = TestSupport.exporter(endpoint, spool).maxBatchItems(1).maxBatchBytes(1024)
            .spoolMaxBytes(1024).build();
        try (Calls c = new Calls(exporter)) {
            c.invoke(10);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            calls = List.copyOf(c.started);
        } finally {
            exporter.close();
        }
        ExporterStats stats = exporter.stats();
        long kept = countSpooledItems();
        assertTrue(kept >= 1 && kept < 10, "kept " + kept);
        assertEquals(10 - kept, stats.dropped(SelfCounters.SPOOL_FULL));
        assertTrue(stats.spoolBytes() <= 1024, "spool bytes " + stats.spoolBytes());

        endpoint.up();
        try (AzureMonitorExporter second = TestSupport.exporter(endpoint, spool).build()) {
            assertTrue(endpoint.awaitAccepted(kept, TestSupport.WAIT));
            assertTrue(second.flush(TestSupport.WAIT).completed());
        }
        // the newest calls survived
        Set<String> expected = calls.subList(10 - (int) kept, 10).stream().map(CallInfo::spanId).collect(Collectors.toSet());
        Set<String> got = TestSupport.dependencies(endpoint).stream().map(i -> (String) i.baseData().get("id"))
            .collect(Collectors.toSet());
        assertEquals(expected, got);
    }

    @Test
    void spoolAgeCapDropsExpiredBatches() {
        ManualClock clock = new ManualClock();
        endpoint.down();
        try (AzureMonitorExporter exporter = TestSupport.exporter(endpoint, spool).clock(clock)
            .spoolMaxAge(Duration.ofHours(48)).build(); Calls c = new Calls(exporter)) {
            c.invoke(1);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertEquals(1, exporter.stats().spoolFiles());
            clock.advance(Duration.ofHours(49));
            c.invoke(1);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertEquals(1, exporter.stats().dropped(SelfCounters.SPOOL_EXPIRED));
            assertEquals(1, exporter.stats().spoolFiles());
        }
    }

    @Test
    void corruptFileIsSetAsideAndTheRestIsDrained() throws IOException {
        Files.createDirectories(spool);
        long now = System.currentTimeMillis();
        Path corrupt = spool.resolve(String.format("%015d-000000001-deadbeef-n3.ndjson.gz", now - 2));
        Files.write(corrupt, "not gzip at all".getBytes(StandardCharsets.UTF_8));
        Envelopes envelopes = new Envelopes(endpoint.instrumentationKey(), "till", "branch-1", "branchline-java:test");
        byte[] good = envelopes.dependency(new CallRecord(Instant.parse("2025-03-01T10:00:00Z"),
            "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", null, "GET /api/x", "http://h/api/x", "h",
            "westeurope", "200", true, 1_000_000, 1, false, false, 100.0, "westeurope(nearest)", false, null));
        Files.write(spool.resolve(String.format("%015d-000000002-cafebabe-n1.ndjson.gz", now - 1)),
            DiskSpool.gzip(List.of(good)));

        try (AzureMonitorExporter exporter = TestSupport.exporter(endpoint, spool).build(); Calls c = new Calls(exporter)) {
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertTrue(endpoint.awaitAccepted(1, TestSupport.WAIT));
            assertEquals(3, exporter.stats().dropped(SelfCounters.CORRUPT));
            assertTrue(Files.exists(corrupt.resolveSibling(corrupt.getFileName() + ".corrupt")));
            assertFalse(Files.exists(corrupt));
            // and the exporter keeps working
            c.invoke(1);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertTrue(endpoint.awaitAccepted(2, TestSupport.WAIT));
        }
        endpoint.assertNoViolations();
    }

    @Test
    void defaultFolderAndFileNamesNeverHoldTheKey() {
        Path dir = AzureMonitorExporter.defaultSpoolDirectory(endpoint.instrumentationKey());
        assertFalse(dir.toString().contains(endpoint.instrumentationKey()));
        assertFalse(dir.toString().contains("b7a1c0de"));
        assertTrue(dir.getFileName().toString().matches("branchline-telemetry-[0-9a-f]{16}"));
    }

    private long countSpooledItems() throws IOException {
        long n = 0;
        try (Stream<Path> files = Files.list(spool)) {
            for (Path p : files.collect(Collectors.toList())) {
                String name = p.getFileName().toString();
                assertFalse(name.contains(endpoint.instrumentationKey()) || name.contains("b7a1c0de"), name);
                if (name.endsWith(DiskSpool.SUFFIX)) {
                    n += DiskSpool.gunzip(Files.readAllBytes(p)).size();
                }
            }
        }
        return n;
    }

    private void assertOwnerOnly() throws IOException {
        if (!spool.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        try (Stream<Path> files = Files.list(spool)) {
            for (Path p : files.collect(Collectors.toList())) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
            }
        }
        Path fresh = spool.resolve("fresh");
        DiskSpool s = new DiskSpool(fresh, 1 << 20, Duration.ofHours(1), java.time.Clock.systemUTC(),
            new SelfCounters(), new WarnOnce(new com.azure.core.util.logging.ClientLogger(SpoolTest.class)),
            new com.azure.core.util.logging.ClientLogger(SpoolTest.class));
        assertTrue(s.open());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
    }
}
