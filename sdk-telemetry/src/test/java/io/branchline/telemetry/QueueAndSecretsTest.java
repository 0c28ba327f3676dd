package io.branchline.telemetry;

import io.branchline.testkit.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.HttpClient;
import io.branchline.core.CallInfo;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.TelemetryItem;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

class QueueAndSecretsTest {
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
    void aFullQueueDropsAndCountsWithoutBlockingTheCaller() throws InterruptedException {
        CountDownLatch inFlight = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HttpClient netty = HttpClient.createDefault();
        HttpClient stuck = request -> Mono.fromRunnable(() -> {
            inFlight.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).subscribeOn(Schedulers.boundedElastic()).then(netty.send(request));
        try (AzureMonitorExporter exporter = TestSupport.exporter(endpoint, spool).queueCapacity(4).maxBatchItems(1)
            .httpClient(stuck).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(1);
            assertTrue(inFlight.await(20, TimeUnit.SECONDS), "the sender is stuck in its first request");
            calls.invoke(20); // returns although the sender cannot take anything
            assertEquals(16, exporter.stats().dropped(SelfCounters.QUEUE_FULL));
            assertEquals(4, exporter.stats().queued());
            release.countDown();
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertTrue(endpoint.awaitAccepted(5, TestSupport.WAIT));
            assertEquals(5, exporter.stats().accepted());
        }
    }

    @Test
    void noKeyTokenOrConnectionStringInEnvelopesFilesOrLogs() throws IOException {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        String key = endpoint.instrumentationKey();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        List<TelemetryItem> items;
        try {
            endpoint.respondWith(401).respondWith(400).respondWith(402).respondWith(503);
            ManualClock clock = new ManualClock();
            try (AzureMonitorExporter exporter = TestSupport.exporter(endpoint, spool).maxBatchItems(1).clock(clock)
                .build(); Calls calls = new Calls(exporter)) {
                for (int i = 0; i < 4; i++) {
                    calls.invoke(1);
                    assertTrue(exporter.flush(TestSupport.WAIT).completed());
                    clock.advance(Duration.ofMinutes(10));
                }
                endpoint.down();
                calls.invoke(1);
                assertTrue(exporter.flush(TestSupport.WAIT).completed());
                assertFalse(exporter.toString().contains(key));
                try (Stream<Path> files = Files.list(spool)) {
                    for (Path p : files.collect(Collectors.toList())) {
                        String name = p.getFileName().toString();
                        assertFalse(name.contains(key) || name.contains("b7a1c0de"), name);
                        if (name.equals(DiskSpool.LOCK_FILE)) {
                            assertEquals(0, Files.size(p), "the lock file holds nothing");
                            continue;
                        }
                        for (byte[] line : DiskSpool.gunzip(Files.readAllBytes(p))) {
                            String json = new String(line, StandardCharsets.UTF_8);
                            assertFalse(json.contains("fk-SECRET"), json);
                            assertFalse(json.contains("InstrumentationKey="), json);
                        }
                    }
                }
                endpoint.up();
                clock.advance(Duration.ofMinutes(10));
                assertTrue(exporter.flush(TestSupport.WAIT).completed());
            }
            items = endpoint.acceptedItems();
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("refused the credentials (401)"), "logs were captured: " + log);
        assertFalse(log.contains(key), log);
        assertFalse(log.contains("b7a1c0de"), log);
        assertFalse(log.contains("fk-SECRET"), log);
        assertFalse(log.contains("InstrumentationKey="), log);
        assertFalse(items.isEmpty());
        for (TelemetryItem item : items) {
            assertFalse(item.json().contains("fk-SECRET"), item.json());
            assertFalse(item.json().contains("InstrumentationKey="), item.json());
            assertFalse(item.json().contains("code="), item.json());
        }
    }

    @Test
    void samplingIsDecidedOnTheTraceIdAndWrittenAsSampleRate() {
        try (AzureMonitorExporter exporter = TestSupport.exporter(endpoint, spool).samplingPercentage(50).build();
            Calls calls = new Calls(exporter)) {
            calls.invoke(40);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            List<String> expected = calls.started.stream().filter(c -> Sampling.keep(c.traceId(), 50))
                .map(CallInfo::spanId).sorted().collect(Collectors.toList());
            assertTrue(endpoint.awaitAccepted(expected.size(), TestSupport.WAIT));
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            List<TelemetryItem> deps = TestSupport.dependencies(endpoint);
            assertEquals(expected, deps.stream().map(i -> (String) i.baseData().get("id")).sorted()
                .collect(Collectors.toList()));
            assertTrue(expected.size() > 5 && expected.size() < 35, "about half: " + expected.size());
            deps.forEach(i -> assertEquals(50.0, i.sampleRate()));
            endpoint.assertNoViolations();
        }
        // the same id always scores the same, on the 0..100 scale
        double s = Sampling.score("4bf92f3577b34da6a3ce929d0e0e4736");
        assertEquals(s, Sampling.score("4bf92f3577b34da6a3ce929d0e0e4736"));
        assertTrue(s >= 0 && s <= 100);
        assertTrue(Sampling.keep("anything", 100));
    }

    @Test
    void builderValidatesWithMessagesNamingTheSetting() {
        AzureMonitorExporter.Builder b = AzureMonitorExporter.builder();
        assertMessage(() -> b.queueCapacity(0), "queueCapacity");
        assertMessage(() -> b.maxBatchItems(0), "maxBatchItems");
        assertMessage(() -> b.maxBatchBytes(10), "maxBatchBytes");
        assertMessage(() -> b.samplingPercentage(0), "samplingPercentage");
        assertMessage(() -> b.samplingPercentage(101), "samplingPercentage");
        assertMessage(() -> b.flushInterval(Duration.ZERO), "flushInterval");
        assertMessage(() -> b.metricsInterval(Duration.ofSeconds(-1)), "metricsInterval");
        assertMessage(() -> b.roleName(" "), "roleName");
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
            () -> AzureMonitorExporter.builder().connectionString(endpoint.connectionString()).spoolDirectory(spool)
                .maxBatchBytes(1 << 20).spoolMaxBytes(4096).build());
        assertTrue(e.getMessage().contains("spoolMaxBytes") && e.getMessage().contains("maxBatchBytes"), e.getMessage());
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String setting) {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(setting), e.getMessage());
    }
}
