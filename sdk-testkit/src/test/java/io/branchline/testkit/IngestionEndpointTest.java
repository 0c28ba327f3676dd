package io.branchline.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IngestionEndpointTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String KEY = IngestionEndpoint.DEFAULT_INSTRUMENTATION_KEY;

    private IngestionEndpoint endpoint;
    private HttpClient client;

    @BeforeEach
    void start() {
        endpoint = IngestionEndpoint.start();
        client = newClient();
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    static String dependency(String name, String duration) {
        return "{\"ver\":1,\"name\":\"Microsoft.ApplicationInsights.RemoteDependency\","
                + "\"time\":\"2024-05-01T10:00:00.1234567Z\",\"sampleRate\":50.0,\"iKey\":\"" + KEY + "\","
                + "\"tags\":{\"ai.cloud.role\":\"branch-12\",\"ai.operation.id\":\"0af7651916cd43dd8448eb211c80319c\"},"
                + "\"data\":{\"baseType\":\"RemoteDependencyData\",\"baseData\":{\"ver\":2,"
                + (name == null ? "" : "\"name\":\"" + name + "\",")
                + "\"id\":\"b7ad6b7169203331\",\"resultCode\":\"200\",\"duration\":\"" + duration + "\","
                + "\"success\":true,\"type\":\"HTTP\",\"target\":\"westeurope\","
                + "\"properties\":{\"region\":\"westeurope\"}}}}";
    }

    static String metric() {
        return "{\"ver\":1,\"name\":\"Microsoft.ApplicationInsights.Metric\",\"time\":\"2024-05-01T10:00:01Z\","
                + "\"iKey\":\"" + KEY + "\",\"data\":{\"baseType\":\"MetricData\",\"baseData\":{\"ver\":2,"
                + "\"metrics\":[{\"name\":\"functions.client.calls\",\"value\":3,\"count\":3}],"
                + "\"properties\":{\"region\":\"westeurope\"}}}}";
    }

    private static String ok() {
        return dependency("GET /api/orders", "00:00:00.012000");
    }

    private HttpResponse<String> post(String body) throws Exception {
        return post(HttpRequest.newBuilder(URI.create(endpoint.ingestionUrl()))
                .header("Content-Type", "application/x-json-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> post(HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    @Test
    void splitsItemsOnCrlfAsOnLf() throws Exception {
        HttpResponse<String> r = post(ok() + "\r\n" + metric() + "\r\n\r\n" + ok());

        assertEquals(200, r.statusCode());
        assertEquals("{\"itemsReceived\":3,\"itemsAccepted\":3,\"errors\":[]}", r.body());
        assertEquals(ok(), endpoint.acceptedItems().get(0).json(), "no carriage return left on an item");
        endpoint.assertNoViolations();
    }

    @Test
    void recordLimitZeroCountsAndValidatesButKeepsNothing() throws Exception {
        endpoint.recordLimit(0);

        assertEquals(200, post(ok() + "\n" + metric()).statusCode());
        HttpResponse<String> bad = post(dependency(null, "00:00:00.012000"));

        assertEquals(400, bad.statusCode(), "still as strict: a dependency without a name is refused");
        assertEquals(2, endpoint.acceptedCount());
        assertEquals(List.of(), endpoint.acceptedItems());
        assertEquals(List.of(), endpoint.requests());
        assertThrows(AssertionError.class, endpoint::assertNoViolations);
        assertThrows(IllegalArgumentException.class, () -> endpoint.recordLimit(-1));
    }

    @Test
    void recordLimitKeepsTheNewest() throws Exception {
        endpoint.recordLimit(1);

        post(dependency("first", "00:00:00.012000"));
        post(dependency("second", "00:00:00.012000"));

        assertEquals(2, endpoint.acceptedCount());
        assertEquals(List.of("second"), endpoint.acceptedItems().stream().map(i -> i.baseData().get("name")).toList());
        assertEquals(1, endpoint.requests().size());
    }

    @Test
    void acceptsGzippedNewlineDelimitedEnvelopesAndRecordsThem() throws Exception {
        byte[] body = gzip(ok() + "\n" + metric() + "\n");
        HttpResponse<String> r = post(HttpRequest.newBuilder(URI.create(endpoint.ingestionUrl()))
                .header("Content-Type", "application/x-json-stream")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));

        assertEquals(200, r.statusCode());
        assertEquals("{\"itemsReceived\":2,\"itemsAccepted\":2,\"errors\":[]}", r.body());
        assertTrue(endpoint.awaitAccepted(2, TIMEOUT));
        assertEquals(2, endpoint.acceptedCount());
        endpoint.assertNoViolations();

        TelemetryItem dep = endpoint.acceptedItems().get(0);
        assertEquals("Microsoft.ApplicationInsights.RemoteDependency", dep.name());
        assertEquals(KEY, dep.iKey());
        assertEquals("2024-05-01T10:00:00.1234567Z", dep.time());
        assertEquals(50.0, dep.sampleRate());
        assertEquals("branch-12", dep.tags().get("ai.cloud.role"));
        assertEquals("RemoteDependencyData", dep.baseType());
        assertEquals("GET /api/orders", dep.baseData().get("name"));
        assertEquals("westeurope", dep.property("region"));
        assertEquals(ok(), dep.json());
        TelemetryItem m = endpoint.acceptedItems().get(1);
        assertEquals("MetricData", m.baseType());
        assertEquals(100.0, m.sampleRate());

        IngestionRequest recorded = endpoint.requests().get(0);
        assertEquals("POST", recorded.method());
        assertEquals("gzip", recorded.header("content-encoding"));
        assertEquals("application/x-json-stream", recorded.header("Content-Type"));
        assertEquals(body.length, recorded.bodySize());
        assertEquals(2, recorded.itemCount());
        assertEquals(200, recorded.status());
        assertTrue(recorded.body().contains("functions.client.calls"));
    }

    @Test
    void acceptsAJsonArrayOnTheV2Path() throws Exception {
        HttpResponse<String> r = post(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + endpoint.port() + "/v2/track"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("[" + ok() + "," + metric() + "]")));
        assertEquals(200, r.statusCode());
        assertEquals(2, endpoint.acceptedCount());
        assertTrue(endpoint.acceptedItems().get(1).json().contains("\"MetricData\""));
    }

    @Test
    void rejectsInvalidEnvelopesNamingTheField() throws Exception {
        String longName = "n".repeat(1025);
        String body = String.join("\n", ok(),
                dependency(null, "00:00:00.010"),
                dependency("GET /api/orders", "12ms"),
                dependency(longName, "00:00:00.010"));
        HttpResponse<String> r = post(body);

        assertEquals(206, r.statusCode());
        assertTrue(r.body().startsWith("{\"itemsReceived\":4,\"itemsAccepted\":1,"), r.body());
        assertTrue(r.body().contains("{\"index\":1,\"statusCode\":400,"), r.body());
        assertTrue(r.body().contains("{\"index\":2,\"statusCode\":400,"), r.body());
        assertTrue(r.body().contains("{\"index\":3,\"statusCode\":400,"), r.body());
        assertEquals(1, endpoint.acceptedCount());

        List<String> violations = endpoint.violations();
        assertTrue(violations.contains("items[1].data.baseData.name: required field is missing"), violations::toString);
        assertTrue(violations.contains(
                "items[2].data.baseData.duration: \"12ms\" is not hh:mm:ss.ffffff or d.hh:mm:ss.ffffff"),
                violations::toString);
        assertTrue(violations.contains("items[3].data.baseData.name: length 1025 exceeds maxLength 1024"),
                violations::toString);
        AssertionError e = assertThrows(AssertionError.class, endpoint::assertNoViolations);
        assertTrue(e.getMessage().contains("items[2].data.baseData.duration"), e.getMessage());
    }

    /** The two example lines of the ingestion facts (section A2), verbatim: a strict endpoint must take both. */
    @Test
    void acceptsTheContractExamplesVerbatim() throws Exception {
        String dependency = "{\"ver\":1,\"name\":\"RemoteDependency\",\"time\":\"2026-11-24T10:15:30.123Z\","
                + "\"iKey\":\"11111111-2222-3333-4444-555555555555\",\"tags\":{\"ai.operation.id\":"
                + "\"4bf92f3577b34da6a3ce929d0e0e4736\",\"ai.operation.parentId\":\"00f067aa0ba902b7\","
                + "\"ai.cloud.role\":\"branch-app\",\"ai.cloud.roleInstance\":\"branch-042\","
                + "\"ai.internal.sdkVersion\":\"java17:branchsdk1.0.0\"},\"data\":{\"baseType\":"
                + "\"RemoteDependencyData\",\"baseData\":{\"ver\":2,\"id\":\"b7ad6b7169203331\",\"name\":"
                + "\"POST /api/orders\",\"duration\":\"00:00:00.245000\",\"success\":true,\"resultCode\":\"200\","
                + "\"data\":\"https://orders-weu.azurewebsites.net/api/orders\",\"target\":"
                + "\"orders-weu.azurewebsites.net\",\"type\":\"Http\",\"properties\":{\"region\":\"westeurope\","
                + "\"attempt\":\"1\"}}}}";
        String metric = "{\"ver\":1,\"name\":\"Metric\",\"time\":\"2026-11-24T10:16:00.000Z\","
                + "\"iKey\":\"11111111-2222-3333-4444-555555555555\",\"tags\":{\"ai.cloud.role\":\"branch-app\","
                + "\"ai.cloud.roleInstance\":\"branch-042\"},\"data\":{\"baseType\":\"MetricData\",\"baseData\":"
                + "{\"ver\":2,\"metrics\":[{\"name\":\"functions.call.duration\",\"ns\":\"branchsdk\",\"value\":"
                + "2450.0,\"count\":10,\"min\":120.0,\"max\":610.0}],\"properties\":{\"region\":\"westeurope\","
                + "\"function\":\"orders\"}}}}";
        try (IngestionEndpoint examples = IngestionEndpoint.start("11111111-2222-3333-4444-555555555555")) {
            HttpResponse<String> r = post(HttpRequest.newBuilder(URI.create(examples.ingestionUrl()))
                    .header("Content-Type", "application/x-json-stream")
                    .POST(HttpRequest.BodyPublishers.ofString(dependency + "\n" + metric)));
            assertEquals(200, r.statusCode(), r.body());
            examples.assertNoViolations();
            assertEquals(List.of("RemoteDependencyData", "MetricData"),
                    examples.acceptedItems().stream().map(TelemetryItem::baseType).toList());
        }
    }

    /**
     * The swagger names the metric definition {@code MetricsData}, but the base type ingestion knows is
     * {@code MetricData} (as {@code RemoteDependencyData} is for its definition): an item sent with the definition
     * name is refused with a per-item 400, and the rest of the batch is accepted (206).
     */
    @Test
    void refusesTheMetricDefinitionNameAsABaseTypeWithAPerItemError() throws Exception {
        String definitionName = metric().replace("\"MetricData\"", "\"MetricsData\"");
        HttpResponse<String> r = post(String.join("\n", ok(), definitionName, metric()));

        assertEquals(206, r.statusCode());
        assertTrue(r.body().startsWith("{\"itemsReceived\":3,\"itemsAccepted\":2,\"errors\":[{\"index\":1,"
                + "\"statusCode\":400,\"message\":\"items[1].data.baseType: \\\"MetricsData\\\" is not a telemetry type"
                + " ingestion knows"), r.body());
        assertTrue(r.body().contains("MetricData"), r.body());
        assertEquals(2, endpoint.acceptedCount());
        assertEquals(List.of("RemoteDependencyData", "MetricData"),
                endpoint.acceptedItems().stream().map(TelemetryItem::baseType).toList());
    }

    @Test
    void answers400WhenEveryItemIsInvalid() throws Exception {
        String noTime = ok().replace("\"time\":\"2024-05-01T10:00:00.1234567Z\",", "");
        String badTime = ok().replace("2024-05-01T10:00:00.1234567Z", "2024-05-01 10:00");
        String wrongKey = ok().replace(KEY, "00000000-0000-0000-0000-000000000000");
        String unknownType = metric().replace("\"MetricData\"", "\"FancyData\"");
        String emptyName = ok().replace("Microsoft.ApplicationInsights.RemoteDependency", " ");
        HttpResponse<String> r = post(String.join("\n", noTime, badTime, wrongKey, unknownType, emptyName, "{oops"));

        assertEquals(400, r.statusCode());
        assertTrue(r.body().startsWith("{\"itemsReceived\":6,\"itemsAccepted\":0,"), r.body());
        List<String> v = endpoint.violations();
        assertTrue(v.contains("items[0].time: required field is missing"), v::toString);
        assertTrue(v.stream().anyMatch(s -> s.startsWith("items[1].time: \"2024-05-01 10:00\" is not")), v::toString);
        assertTrue(v.stream().anyMatch(s -> s.startsWith("items[2].iKey:")), v::toString);
        assertTrue(v.stream().anyMatch(s -> s.startsWith("items[3].data.baseType: \"FancyData\"")), v::toString);
        assertTrue(v.contains("items[4].name: must not be empty"), v::toString);
        assertTrue(v.stream().anyMatch(s -> s.startsWith("items[5]: is not valid JSON")), v::toString);
        assertEquals(0, endpoint.acceptedCount());
    }

    @Test
    void validatesNestedTypesAndEnums() throws Exception {
        String badMetric = metric().replace("\"value\":3", "\"value\":\"three\"");
        String badSeverity = "{\"ver\":1,\"name\":\"Microsoft.ApplicationInsights.Message\","
                + "\"time\":\"2024-05-01T10:00:01Z\",\"iKey\":\"" + KEY + "\",\"data\":{\"baseType\":\"MessageData\","
                + "\"baseData\":{\"ver\":2,\"message\":\"hi\",\"severityLevel\":\"Loud\"}}}";
        String badProperty = ok().replace("{\"region\":\"westeurope\"}", "{\"region\":7}");
        post(String.join("\n", badMetric, badSeverity, badProperty));

        List<String> v = endpoint.violations();
        assertTrue(v.contains("items[0].data.baseData.metrics[0].value: expected number but was string \"three\""),
                v::toString);
        assertTrue(v.stream().anyMatch(s -> s.startsWith("items[1].data.baseData.severityLevel: \"Loud\" is not one of")),
                v::toString);
        assertTrue(v.contains("items[2].data.baseData.properties.region: expected string but was number 7"),
                v::toString);
    }

    @Test
    void respondPartialFailsTheChosenItemsForTheNextRequestOnly() throws Exception {
        endpoint.respondPartial(Map.of(1, 500));
        HttpResponse<String> r = post(String.join("\n", ok(), ok(), metric()));
        assertEquals(206, r.statusCode());
        assertEquals("{\"itemsReceived\":3,\"itemsAccepted\":2,\"errors\":"
                + "[{\"index\":1,\"statusCode\":500,\"message\":\"simulated 500\"}]}", r.body());
        assertEquals(2, endpoint.acceptedCount());
        endpoint.assertNoViolations();

        assertEquals(200, post(ok()).statusCode());
        assertEquals(3, endpoint.acceptedCount());
    }

    @Test
    void scriptedStatusesWithRetryAfterQueueUpAndReset() throws Exception {
        endpoint.respondWith(429, Duration.ofSeconds(3)).respondWith(503, 2);
        HttpResponse<String> throttled = post(ok());
        assertEquals(429, throttled.statusCode());
        assertEquals("3", throttled.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(throttled.body().startsWith("{\"itemsReceived\":1,\"itemsAccepted\":0,"), throttled.body());
        assertEquals(503, post(ok()).statusCode());
        HttpResponse<String> unavailable = post(ok());
        assertEquals(503, unavailable.statusCode());
        assertTrue(unavailable.headers().firstValue("Retry-After").isEmpty());
        assertEquals(200, post(ok()).statusCode());
        assertEquals(1, endpoint.acceptedCount());

        endpoint.respondWith(500, IngestionEndpoint.UNTIL_RESET);
        assertEquals(500, post(ok()).statusCode());
        assertEquals(500, post(ok()).statusCode());
        endpoint.resetResponses();
        assertEquals(200, post(ok()).statusCode());
        assertEquals(List.of(429, 503, 503, 200, 500, 500, 200),
                endpoint.requests().stream().map(IngestionRequest::status).toList());
        assertThrows(IllegalArgumentException.class, () -> endpoint.respondWith(200));
    }

    @Test
    void requireBearerTokenAnswers401UnlessTheTokenMatches() throws Exception {
        endpoint.requireBearerToken("t0k3n");
        assertEquals(401, post(ok()).statusCode());
        HttpResponse<String> wrong = post(HttpRequest.newBuilder(URI.create(endpoint.ingestionUrl()))
                .header("Authorization", "Bearer nope").POST(HttpRequest.BodyPublishers.ofString(ok())));
        assertEquals(401, wrong.statusCode());
        HttpResponse<String> right = post(HttpRequest.newBuilder(URI.create(endpoint.ingestionUrl()))
                .header("Authorization", "Bearer t0k3n").POST(HttpRequest.BodyPublishers.ofString(ok())));
        assertEquals(200, right.statusCode());
        assertEquals("Bearer t0k3n", endpoint.requests().get(2).header("authorization"));
        assertEquals(1, endpoint.acceptedCount());
        endpoint.requireBearerToken(null);
        assertEquals(200, post(ok()).statusCode());
    }

    @Test
    void downRefusesAndUpRebindsTheSamePort() throws Exception {
        int port = endpoint.port();
        endpoint.down();
        client = newClient();
        assertThrows(ConnectException.class, () -> post(ok()));
        endpoint.up();
        assertEquals(port, endpoint.port());
        client = newClient();
        assertEquals(200, post(ok()).statusCode());
    }

    @Test
    void everyDownRefusesTheNextConnectionAtOnce() throws Exception {
        // a listening socket closed while registered with a selector is only closed when that selector next runs;
        // until then the kernel still completes handshakes, and the client gets a reset instead of a refusal
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", endpoint.port());
        for (int i = 0; i < 200; i++) {
            endpoint.down();
            try (Socket socket = new Socket()) {
                int attempt = i;
                assertThrows(ConnectException.class, () -> socket.connect(address, 5_000),
                        () -> "down() #" + attempt + " returned while the port still accepted connections");
            }
            endpoint.up();
        }
        assertEquals(200, post(ok()).statusCode());
    }

    @Test
    void awaitAcceptedTimesOutWithFalse() {
        assertFalse(endpoint.awaitAccepted(1, Duration.ofMillis(50)));
    }

    @Test
    void connectionStringPointsHere() {
        assertEquals("InstrumentationKey=" + KEY + ";IngestionEndpoint=http://127.0.0.1:" + endpoint.port() + "/",
                endpoint.connectionString());
        assertEquals("http://127.0.0.1:" + endpoint.port() + "/v2.1/track", endpoint.ingestionUrl());
        assertThrows(IllegalArgumentException.class, () -> IngestionEndpoint.start("not-a-guid"));
    }

    @Test
    void emptyOrBrokenBodiesAreRejected() throws Exception {
        assertEquals(400, post("").statusCode());
        HttpResponse<String> notGzip = post(HttpRequest.newBuilder(URI.create(endpoint.ingestionUrl()))
                .header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofString(ok())));
        assertEquals(400, notGzip.statusCode());
        assertTrue(endpoint.violations().stream().anyMatch(s -> s.startsWith("request: body is not valid gzip")));
        assertEquals(404, client.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + endpoint.port() + "/other")).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void durationsFollowTheServiceFormat() {
        assertTrue(SwaggerValidator.isDuration("00:00:00.012000"));
        assertTrue(SwaggerValidator.isDuration("1.02:03:04.1234567"));
        assertTrue(SwaggerValidator.isDuration("00:00:01"));
        assertFalse(SwaggerValidator.isDuration("12ms"));
        assertFalse(SwaggerValidator.isDuration("24:00:00"));
        assertFalse(SwaggerValidator.isDuration("PT0.012S"));
        assertTrue(SwaggerValidator.isUtcDateTime("2009-06-15T13:45:30.0000000Z"));
        assertFalse(SwaggerValidator.isUtcDateTime("2009-06-15T13:45:30+02:00"));
    }
}
