package io.branchline.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RegionSimulatorTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private RegionSimulator sim;
    private SimulatedRegion we;
    private HttpClient client;

    @BeforeEach
    void start() {
        sim = RegionSimulator.builder()
                .region("westeurope")
                .region("northeurope", Duration.ofMillis(20))
                .build();
        we = sim.region("westeurope");
        client = newClient();
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private HttpResponse<String> get(HttpClient c, URI uri, Duration timeout) throws Exception {
        return c.send(HttpRequest.newBuilder(uri).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return get(client, uri, TIMEOUT);
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    @Test
    void answersEchoJsonWithRegionAndTraceparentAndRecordsTheCall() throws Exception {
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(we.uri("/api/orders?branch=12"))
                .header("traceparent", traceparent)
                .header("X-Custom", "abc")
                .POST(HttpRequest.BodyPublishers.ofString("hello"))
                .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("westeurope", r.headers().firstValue("x-branchline-region").orElseThrow());
        assertEquals(traceparent, r.headers().firstValue("traceparent").orElseThrow());
        assertEquals("{\"region\":\"westeurope\",\"method\":\"POST\",\"path\":\"/api/orders\",\"bodyBytes\":5}",
                r.body());

        assertEquals(1, we.requestCount());
        assertEquals(1, we.requestCount("/api/orders"));
        assertEquals(0, we.healthRequestCount());
        RecordedCall call = we.recordedRequests().get(0);
        assertEquals("POST", call.method());
        assertEquals("/api/orders", call.path());
        assertEquals("branch=12", call.query());
        assertEquals("abc", call.header("x-custom"));
        assertEquals(traceparent, call.headers().get("TRACEPARENT"));
        assertEquals("hello", call.bodyAsString());
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), call.body());

        we.resetCounts();
        assertEquals(0, we.requestCount());
        assertTrue(we.recordedRequests().isEmpty());
    }

    @Test
    void healthAndHostPingAnswerAndAreCountedSeparately() throws Exception {
        HttpResponse<String> health = get(we.uri("/api/health"));
        assertEquals(200, health.statusCode());
        assertEquals("{\"status\":\"Healthy\"}", health.body());
        assertEquals(200, get(we.uri(SimulatedRegion.HOST_PING_PATH)).statusCode());
        get(we.uri("/api/orders"));

        assertEquals(2, we.healthRequestCount());
        assertEquals(1, we.requestCount());
        assertEquals(1, we.requestCount("/api/health"));
    }

    @Test
    void latencyIsAppliedAndCanChangeAtRuntime() throws Exception {
        SimulatedRegion ne = sim.region("northeurope");
        long t0 = System.nanoTime();
        assertEquals(200, get(ne.uri("/api/orders")).statusCode());
        assertTrue(millisSince(t0) >= 20);

        ne.latency(Duration.ofMillis(120));
        long t1 = System.nanoTime();
        assertEquals(200, get(ne.uri("/api/orders")).statusCode());
        assertTrue(millisSince(t1) >= 120);
        assertEquals(Duration.ofMillis(120), ne.recordedRequests().get(1).injectedDelay());
    }

    @Test
    void downRefusesConnectionsAndClosesOpenOnesThenRestoreRebindsTheSamePort() throws Exception {
        int port = we.port();
        try (Socket open = new Socket()) {
            open.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            open.setSoTimeout(5000);
            we.fault(Fault.down());
            assertEquals(-1, open.getInputStream().read(), "open connection is closed when the region goes down");
        }
        assertThrows(ConnectException.class, () -> get(newClient(), we.uri("/api/orders"), TIMEOUT));
        assertThrows(ConnectException.class, () -> get(newClient(), we.uri("/api/health"), TIMEOUT));
        assertEquals(Fault.down(), we.fault().orElseThrow());

        we.restore();
        assertEquals(port, we.port());
        assertEquals(200, get(newClient(), URI.create("http://127.0.0.1:" + port + "/api/orders"), TIMEOUT)
                .statusCode());
        assertTrue(we.fault().isEmpty());
    }

    @Test
    void blackholeAcceptsButNeverAnswersHealthIncluded() throws Exception {
        we.fault(Fault.blackhole());
        assertThrows(HttpTimeoutException.class, () -> get(client, we.uri("/api/orders"), Duration.ofMillis(300)));
        assertThrows(HttpTimeoutException.class, () -> get(client, we.uri("/api/health"), Duration.ofMillis(300)));
        assertEquals(1, we.requestCount());
        assertEquals(1, we.healthRequestCount());

        we.restore();
        assertEquals(200, get(newClient(), we.uri("/api/orders"), TIMEOUT).statusCode());
    }

    @Test
    void serverErrorAnswersTheStatusHealthIncluded() throws Exception {
        we.fault(Fault.serverError(503));
        HttpResponse<String> r = get(we.uri("/api/orders"));
        assertEquals(503, r.statusCode());
        assertEquals("westeurope", r.headers().firstValue("x-branchline-region").orElseThrow());
        assertEquals(503, get(we.uri("/api/health")).statusCode());
        assertThrows(IllegalArgumentException.class, () -> Fault.serverError(200));
    }

    @Test
    void throttleAnswers429WithScaleoutAndOptionalRetryAfterButHealthStaysUp() throws Exception {
        we.fault(Fault.throttle(Duration.ofSeconds(2)));
        HttpResponse<String> r = get(we.uri("/api/orders"));
        assertEquals(429, r.statusCode());
        assertEquals("2", r.headers().firstValue("Retry-After").orElseThrow());
        assertEquals("1", r.headers().firstValue("X-FUNCTION-SCALEOUT").orElseThrow());
        assertEquals(200, get(we.uri("/api/health")).statusCode());

        we.fault(Fault.throttle());
        HttpResponse<String> r2 = get(we.uri("/api/orders"));
        assertEquals(429, r2.statusCode());
        assertTrue(r2.headers().firstValue("Retry-After").isEmpty());
        assertEquals("1", r2.headers().firstValue("x-function-scaleout").orElseThrow());
    }

    @Test
    void coldStartSlowsTheFirstCallsOnlyAndNotHealth() throws Exception {
        Duration extra = Duration.ofMillis(200);
        we.fault(Fault.coldStart(2, extra));
        assertEquals(200, get(we.uri("/api/health")).statusCode());
        for (int i = 0; i < 2; i++) {
            long t0 = System.nanoTime();
            assertEquals(200, get(we.uri("/api/orders")).statusCode());
            assertTrue(millisSince(t0) >= extra.toMillis(), "cold call " + i + " took at least the delay");
        }
        assertEquals(200, get(we.uri("/api/orders")).statusCode());

        List<RecordedCall> calls = we.recordedRequests();
        assertEquals(Duration.ZERO, calls.get(0).injectedDelay(), "health is not delayed by a cold start");
        assertEquals(extra, calls.get(1).injectedDelay());
        assertEquals(extra, calls.get(2).injectedDelay());
        assertEquals(Duration.ZERO, calls.get(3).injectedDelay(), "warm after the cold calls");
    }

    @Test
    void tailDelaysASeededFractionOfCalls() throws Exception {
        Duration extra = Duration.ofMillis(5);
        we.tail(0.10, extra);
        List<Boolean> first = delayedPattern(200, extra);
        long delayed = first.stream().filter(b -> b).count();
        assertTrue(delayed >= 8 && delayed <= 35, "about 10 % delayed, was " + delayed);

        we.tail(0.10, extra);
        assertEquals(first, delayedPattern(200, extra), "same seed, same pattern");

        we.tail(0, Duration.ZERO);
        assertFalse(delayedPattern(50, extra).contains(true));
    }

    private List<Boolean> delayedPattern(int n, Duration extra) throws Exception {
        we.resetCounts();
        for (int i = 0; i < n; i++) {
            assertEquals(200, get(we.uri("/api/orders")).statusCode());
        }
        List<Boolean> pattern = new ArrayList<>();
        for (RecordedCall c : we.recordedRequests()) {
            pattern.add(c.injectedDelay().compareTo(extra) >= 0);
        }
        assertEquals(n, pattern.size());
        return pattern;
    }

    @Test
    void cannedResponsesServeLargeOrBrokenBodies() throws Exception {
        byte[] big = new byte[1024 * 1024];
        java.util.Arrays.fill(big, (byte) 'x');
        we.respond("/api/big", 200, "application/json", big);
        we.respond("/api/broken", 200, "application/json", "{not json".getBytes(StandardCharsets.UTF_8));

        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(we.uri("/api/big")).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(big.length, r.body().length);
        assertEquals("{not json", get(we.uri("/api/broken")).body());
        we.clearResponses();
        assertTrue(get(we.uri("/api/big")).body().startsWith("{\"region\""));
    }

    @Test
    void faultsSwitchWhileLoadIsFlowing() throws Exception {
        // Three bursts of 200 concurrent requests, the fault switched between them while connections stay open:
        // each burst sees exactly the fault in force when it was sent (no dependence on when requests arrive).
        int[] burst0 = burst(200);
        we.fault(Fault.serverError(503));
        int[] burst1 = burst(200);
        we.restore();
        int[] burst2 = burst(200);
        assertEquals(200, burst0[200]);
        assertEquals(200, burst1[503]);
        assertEquals(200, burst2[200]);
        assertEquals(600, we.requestCount());
    }

    /** Sends {@code n} requests at once to westeurope and counts the answers by status. */
    private int[] burst(int n) throws Exception {
        List<CompletableFuture<HttpResponse<Void>>> inFlight = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            inFlight.add(client.sendAsync(HttpRequest.newBuilder(we.uri("/api/orders")).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.discarding()));
        }
        int[] byStatus = new int[600];
        for (CompletableFuture<HttpResponse<Void>> f : inFlight) {
            byStatus[f.get(20, TimeUnit.SECONDS).statusCode()]++;
        }
        return byStatus;
    }

    @Test
    void regionsKeepDeclarationOrderAndBuilderValidates() {
        assertEquals(List.of("westeurope", "northeurope"),
                sim.regions().stream().map(SimulatedRegion::name).toList());
        assertTrue(we.baseUrl().startsWith("http://127.0.0.1:"));
        assertThrows(IllegalArgumentException.class, () -> sim.region("eastus"));
        assertThrows(IllegalStateException.class, () -> RegionSimulator.builder().build());
        assertThrows(IllegalArgumentException.class,
                () -> RegionSimulator.builder().region("a").region("a"));
        assertThrows(IllegalArgumentException.class, () -> we.tail(1.5, Duration.ZERO));
        assertThrows(NullPointerException.class, () -> we.fault(null));
    }

    @Test
    void resetPutsEveryRegionBack() throws Exception {
        SimulatedRegion ne = sim.region("northeurope");
        ne.latency(Duration.ofSeconds(1)).fault(Fault.down());
        we.fault(Fault.serverError(500));
        sim.reset();
        assertEquals(Duration.ofMillis(20), ne.latency());
        assertTrue(ne.fault().isEmpty());
        assertEquals(200, get(newClient(), ne.uri("/api/orders"), TIMEOUT).statusCode());
        assertEquals(200, get(we.uri("/api/orders")).statusCode());
    }

    @Test
    void keepAliveConnectionServesManyRequests() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", we.port()), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < 3; i++) {
                out.write("GET /api/orders HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String head = readHead(in);
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
                int length = Integer.parseInt(head.replaceAll("(?is).*content-length: (\\d+).*", "$1"));
                assertEquals(length, in.readNBytes(length).length);
            }
        }
        assertEquals(3, we.requestCount());
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed after: " + b);
            }
            b.append((char) c);
        }
        return b.toString();
    }

    @Test
    void coldInstancesSlowAndMarkTheNextCallsOfEachConnectionAndMarkHealth() throws Exception {
        Duration extra = Duration.ofMillis(150);
        we.fault(Fault.coldInstances(2, extra));
        HttpResponse<String> health = get(we.uri("/api/health"));
        assertEquals("1", health.headers().firstValue(Fault.COLD_START_HEADER).orElseThrow(), "health says cold");
        HttpClient one = newClient();
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = get(one, we.uri("/api/orders"), TIMEOUT);
            assertEquals("1", r.headers().firstValue(Fault.COLD_START_HEADER).orElseThrow(), "cold call " + i);
        }
        HttpResponse<String> warm = get(one, we.uri("/api/orders"), TIMEOUT);
        assertTrue(warm.headers().firstValue(Fault.COLD_START_HEADER).isEmpty(), "warm on that connection after 2");
        // another connection meets a cold instance of its own
        HttpResponse<String> other = get(newClient(), we.uri("/api/orders"), TIMEOUT);
        assertEquals("1", other.headers().firstValue(Fault.COLD_START_HEADER).orElseThrow());
        List<RecordedCall> calls = we.recordedRequests();
        assertEquals(extra, calls.get(1).injectedDelay());
        assertEquals(Duration.ZERO, calls.get(3).injectedDelay());
        assertEquals(extra, calls.get(4).injectedDelay());
        we.restore();
        assertTrue(get(we.uri("/api/health")).headers().firstValue(Fault.COLD_START_HEADER).isEmpty());
    }

    @Test
    void branchLinkDownRefusesEveryRegionUntilItIsUp() throws Exception {
        sim.branchLinkDown();
        for (SimulatedRegion r : sim.regions()) {
            assertThrows(ConnectException.class, () -> get(newClient(), r.uri("/api/orders"), TIMEOUT), r.name());
        }
        sim.branchLinkUp();
        for (SimulatedRegion r : sim.regions()) {
            assertEquals(200, get(newClient(), r.uri("/api/orders"), TIMEOUT).statusCode(), r.name());
        }
    }

    @Test
    void responseHeadersAreAddedToFunctionAnswersOnly() throws Exception {
        we.responseHeader("Cache-Control", "max-age=60, stale-if-error=300");
        assertEquals("max-age=60, stale-if-error=300",
            get(we.uri("/api/catalog")).headers().firstValue("cache-control").orElseThrow());
        assertTrue(get(we.uri("/api/health")).headers().firstValue("cache-control").isEmpty());
        we.responseHeader("Cache-Control", null);
        assertTrue(get(we.uri("/api/catalog")).headers().firstValue("cache-control").isEmpty());
    }

    @Test
    void closeFreesThePortAndStopsItsThreads() throws Exception {
        RegionSimulator other = RegionSimulator.builder().region("eastus", Duration.ofMillis(1)).build();
        int port = other.region("eastus").port();
        assertEquals(200, get(other.region("eastus").uri("/api/orders")).statusCode());
        other.close();
        sim.close();

        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", port));
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("branchline-sim")) {
                t.join(5000);
                assertFalse(t.isAlive(), "thread left running: " + t.getName());
            }
        }
    }
}
