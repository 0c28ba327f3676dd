package io.branchline.telemetry;

import io.branchline.testkit.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpRequest;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.IngestionRequest;
import io.branchline.testkit.TelemetryItem;

import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/** How batches are sent and how each ingestion answer is handled. */
class DeliveryTest {
    private static final Pattern ID = Pattern.compile("\"id\":\"([0-9a-f]{16})\"");

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

    private AzureMonitorExporter.Builder slowLinger() {
        return TestSupport.exporter(endpoint, spool).flushInterval(Duration.ofHours(1));
    }

    @Test
    void postsGzippedNewlineDelimitedJsonAndBatchesByCount() {
        try (AzureMonitorExporter exporter = slowLinger().maxBatchItems(3).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(7);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertTrue(endpoint.awaitAccepted(7, TestSupport.WAIT));
            endpoint.assertNoViolations();
            List<IngestionRequest> requests = endpoint.requests();
            assertEquals(List.of(3, 3, 1), requests.stream().map(IngestionRequest::itemCount).collect(Collectors.toList()));
            for (IngestionRequest r : requests) {
                assertEquals("POST", r.method());
                assertEquals("/v2.1/track", r.path());
                assertEquals("gzip", r.header("Content-Encoding"));
                assertEquals("application/x-json-stream", r.header("Content-Type"));
                assertEquals("", r.header("User-Agent"), "empty, or ingestion records the agent as the client browser");
                assertTrue(r.bodySize() < r.body().length(), "gzipped body is smaller than the text");
                assertEquals(r.itemCount(), r.body().strip().split("\n").length, "one envelope per line");
            }
            assertEquals(7, exporter.stats().accepted());
        }
    }

    @Test
    void batchesByBytes() {
        try (AzureMonitorExporter exporter = slowLinger().maxBatchBytes(2048).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(6);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertTrue(endpoint.awaitAccepted(6, TestSupport.WAIT));
            List<IngestionRequest> requests = endpoint.requests();
            // six envelopes of several hundred bytes do not fit in 2 KB: without byte batching they would be one batch
            assertTrue(requests.size() >= 2, requests.toString());
            for (IngestionRequest r : requests) {
                assertTrue(r.body().length() <= 2048, "batch of " + r.body().length() + " bytes");
            }
            assertEquals(6, requests.stream().mapToInt(IngestionRequest::itemCount).sum());
        }
    }

    @Test
    void partialSuccessResendsExactlyTheRetryableItems() {
        endpoint.respondPartial(Map.of(1, 500, 2, 400, 3, 429));
        try (AzureMonitorExporter exporter = slowLinger().maxBatchItems(5).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(5);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertTrue(endpoint.awaitAccepted(4, TestSupport.WAIT));
            List<IngestionRequest> requests = endpoint.requests();
            assertEquals(2, requests.size(), requests.toString());
            assertEquals(206, requests.get(0).status());
            List<String> first = ids(requests.get(0).body());
            assertEquals(5, first.size());
            assertEquals(List.of(first.get(1), first.get(3)), ids(requests.get(1).body()));
            assertEquals(200, requests.get(1).status());
            Set<String> accepted = TestSupport.dependencies(endpoint).stream()
                .map(i -> (String) i.baseData().get("id")).collect(Collectors.toSet());
            assertEquals(Set.of(first.get(0), first.get(1), first.get(3), first.get(4)), accepted);
            ExporterStats stats = exporter.stats();
            assertEquals(1, stats.dropped(SelfCounters.REJECTED));
            assertEquals(2, stats.retried());
            assertEquals(4, stats.accepted());
        }
    }

    @Test
    void retryAfterIsHonouredAndTheBatchIsSpooledMeanwhile() {
        ManualClock clock = new ManualClock();
        endpoint.respondWith(429, Duration.ofSeconds(30));
        try (AzureMonitorExporter exporter = slowLinger().clock(clock).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(1);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertEquals(1, endpoint.requests().size());
            assertEquals(429, endpoint.requests().get(0).status());
            assertTrue(exporter.backoffUntilMillis() >= clock.millis() + 30_000,
                "backs off at least Retry-After: " + (exporter.backoffUntilMillis() - clock.millis()));
            assertEquals(1, exporter.stats().spooled());

            // still backing off: a new batch goes to the spool, nothing is posted
            calls.invoke(1);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertEquals(1, endpoint.requests().size());
            assertEquals(2, exporter.stats().spooled());

            clock.advance(Duration.ofSeconds(31));
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertTrue(endpoint.awaitAccepted(2, TestSupport.WAIT));
            assertEquals(0, exporter.stats().spoolFiles());
            assertEquals(2, TestSupport.dependencies(endpoint).stream().map(i -> i.baseData().get("id")).distinct().count());
        }
    }

    @Test
    void badRequestIsDroppedAndCounted() {
        endpoint.respondWith(400);
        try (AzureMonitorExporter exporter = slowLinger().build(); Calls calls = new Calls(exporter)) {
            calls.invoke(2);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertEquals(2, exporter.stats().dropped(SelfCounters.BAD_REQUEST));
            assertEquals(0, exporter.stats().spooled());
            assertEquals(0, exporter.backoffUntilMillis());
        }
    }

    @Test
    void quotaAnswersAreDroppedAndCounted() {
        endpoint.respondWith(402).respondWith(439);
        try (AzureMonitorExporter exporter = slowLinger().build(); Calls calls = new Calls(exporter)) {
            calls.invoke(1);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            calls.invoke(1);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertEquals(2, exporter.stats().dropped(SelfCounters.QUOTA));
            assertEquals(0, exporter.stats().spooled());
        }
    }

    @Test
    void unauthorizedAndUnavailableAreKeptInTheSpool() {
        ManualClock clock = new ManualClock();
        endpoint.respondWith(401).respondWith(503);
        try (AzureMonitorExporter exporter = slowLinger().clock(clock).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(1);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertEquals(1, exporter.stats().spooled());
            assertTrue(exporter.backoffUntilMillis() > clock.millis());
            clock.advance(Duration.ofMinutes(10));
            assertTrue(exporter.flush(TestSupport.WAIT).completed()); // drains the spool: 503, kept again
            assertEquals(2, endpoint.requests().size());
            assertEquals(1, exporter.stats().spoolFiles());
            clock.advance(Duration.ofMinutes(10));
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertTrue(endpoint.awaitAccepted(1, TestSupport.WAIT));
            assertEquals(0, exporter.stats().spoolFiles());
            assertEquals(0, exporter.stats().droppedTotal());
        }
    }

    @Test
    void entraIdTokenIsSentWithTheMonitorScope() {
        endpoint.requireBearerToken("tok-SECRET-value");
        List<String> scopes = new CopyOnWriteArrayList<>();
        TokenCredential credential = ctx -> {
            scopes.addAll(ctx.getScopes());
            return Mono.just(new AccessToken("tok-SECRET-value", OffsetDateTime.now().plusHours(1)));
        };
        // BearerTokenAuthenticationPolicy insists on https: the connection string says https and a test client
        // downgrades the loopback request to plain http below the policy.
        HttpClient netty = HttpClient.createDefault();
        HttpClient downgrade = request -> {
            HttpRequest plain = request.copy();
            plain.setUrl(request.getUrl().toString().replaceFirst("^https:", "http:"));
            return netty.send(plain);
        };
        String cs = endpoint.connectionString().replace("http://", "https://");
        try (AzureMonitorExporter exporter = slowLinger().connectionString(cs).credential(credential)
            .httpClient(downgrade).build(); Calls calls = new Calls(exporter)) {
            calls.invoke(1);
            assertTrue(exporter.flush(TestSupport.WAIT).completed());
            assertTrue(endpoint.awaitAccepted(1, TestSupport.WAIT));
            assertEquals(List.of("https://monitor.azure.com//.default"), scopes.stream().distinct().collect(Collectors.toList()));
            assertEquals("Bearer tok-SECRET-value", endpoint.requests().get(0).header("Authorization"));
            for (TelemetryItem item : endpoint.acceptedItems()) {
                assertTrue(!item.json().contains("tok-SECRET"), item.json());
            }
        }
    }

    static List<String> ids(String body) {
        List<String> out = new ArrayList<>();
        for (String line : body.strip().split("\n")) {
            Matcher m = ID.matcher(line);
            if (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }
}
