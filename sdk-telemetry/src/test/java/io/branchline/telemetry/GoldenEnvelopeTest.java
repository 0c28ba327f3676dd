package io.branchline.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import io.branchline.testkit.IngestionEndpoint;

import java.io.IOException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * One envelope per item kind the exporter sends, written by hand from the ingestion contract (the v2.1 track
 * swagger and the Application Insights data model: {@code name} {@code RemoteDependency} / {@code Metric}, base types
 * {@code RemoteDependencyData} / {@code MetricData}, durations {@code hh:mm:ss.ffffff}, UTC times ending in
 * {@code Z}, {@code ai.operation.id} = trace id, {@code id} = the span id of the {@code traceparent} sent), compared
 * field by field with what the exporter writes for the same inputs. The golden lines were not produced by the
 * exporter: a field the exporter names, types or formats differently from the contract fails here.
 */
class GoldenEnvelopeTest {
    private static final String IKEY = "11111111-2222-3333-4444-555555555555";
    private static final Envelopes ENVELOPES = new Envelopes(IKEY, "branch-app", "branch-042", "branchline-java:1.0.0");

    /** A call of 245 ms that continued the caller's trace, answered 200 by westeurope on the first attempt. */
    static final String GOLDEN_DEPENDENCY = "{\"ver\":1,\"name\":\"RemoteDependency\","
        + "\"time\":\"2026-11-24T10:15:30.123Z\",\"iKey\":\"11111111-2222-3333-4444-555555555555\","
        + "\"tags\":{\"ai.operation.id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"ai.operation.parentId\":\"00f067aa0ba902b7\","
        + "\"ai.cloud.role\":\"branch-app\",\"ai.cloud.roleInstance\":\"branch-042\","
        + "\"ai.internal.sdkVersion\":\"branchline-java:1.0.0\"},"
        + "\"data\":{\"baseType\":\"RemoteDependencyData\",\"baseData\":{\"ver\":2,\"id\":\"b7ad6b7169203331\","
        + "\"name\":\"POST /api/orders\",\"duration\":\"00:00:00.245000\",\"success\":true,\"resultCode\":\"200\","
        + "\"data\":\"https://orders-weu.azurewebsites.net/api/orders\",\"target\":\"orders-weu.azurewebsites.net\","
        + "\"type\":\"Http\",\"properties\":{\"region\":\"westeurope\",\"attempts\":\"1\",\"failover\":\"false\","
        + "\"hedged\":\"false\",\"slot\":\"production\",\"route\":\"westeurope(nearest)\","
        + "\"branch\":\"branch-042\"}}}}";

    /** The same kind of call sampled at 25 %, failed over twice and finally timed out. */
    static final String GOLDEN_FAILED_DEPENDENCY = "{\"ver\":1,\"name\":\"RemoteDependency\","
        + "\"time\":\"2026-11-24T10:15:31Z\",\"sampleRate\":25.0,\"iKey\":\"11111111-2222-3333-4444-555555555555\","
        + "\"tags\":{\"ai.operation.id\":\"0af7651916cd43dd8448eb211c80319c\","
        + "\"ai.cloud.role\":\"branch-app\",\"ai.cloud.roleInstance\":\"branch-042\","
        + "\"ai.internal.sdkVersion\":\"branchline-java:1.0.0\"},"
        + "\"data\":{\"baseType\":\"RemoteDependencyData\",\"baseData\":{\"ver\":2,\"id\":\"53995c3f42cd8ad8\","
        + "\"name\":\"GET /api/orders/{id}\",\"duration\":\"1.02:00:00.000001\",\"success\":false,"
        + "\"resultCode\":\"TIMEOUT\",\"data\":\"https://orders-neu.azurewebsites.net/api/orders/42\","
        + "\"target\":\"orders-neu.azurewebsites.net\",\"type\":\"Http\",\"properties\":{\"region\":\"northeurope\","
        + "\"attempts\":\"3\",\"failover\":\"true\",\"hedged\":\"true\",\"slot\":\"staging\","
        + "\"route\":\"westeurope(nearest)>northeurope(failover:TIMEOUT)>eastus(hedge:120ms)\","
        + "\"branch\":\"branch-042\"}}}}";

    /** A region latency data point: one metric, kind Measurement, the region and branch as properties. */
    static final String GOLDEN_REGION_METRIC = "{\"ver\":1,\"name\":\"Metric\",\"time\":\"2026-11-24T10:16:00Z\","
        + "\"iKey\":\"11111111-2222-3333-4444-555555555555\","
        + "\"tags\":{\"ai.cloud.role\":\"branch-app\",\"ai.cloud.roleInstance\":\"branch-042\","
        + "\"ai.internal.sdkVersion\":\"branchline-java:1.0.0\"},"
        + "\"data\":{\"baseType\":\"MetricData\",\"baseData\":{\"ver\":2,"
        + "\"metrics\":[{\"name\":\"branchline.region.latency\",\"kind\":\"Measurement\",\"value\":24.5}],"
        + "\"properties\":{\"region\":\"westeurope\",\"branch\":\"branch-042\"}}}}";

    /** The exporter's own drop count: a metric of the branch, without a region. */
    static final String GOLDEN_BRANCH_METRIC = "{\"ver\":1,\"name\":\"Metric\",\"time\":\"2026-11-24T10:16:00Z\","
        + "\"iKey\":\"11111111-2222-3333-4444-555555555555\","
        + "\"tags\":{\"ai.cloud.role\":\"branch-app\",\"ai.cloud.roleInstance\":\"branch-042\","
        + "\"ai.internal.sdkVersion\":\"branchline-java:1.0.0\"},"
        + "\"data\":{\"baseType\":\"MetricData\",\"baseData\":{\"ver\":2,"
        + "\"metrics\":[{\"name\":\"branchline.telemetry.dropped\",\"kind\":\"Measurement\",\"value\":7.0}],"
        + "\"properties\":{\"branch\":\"branch-042\"}}}}";

    @Test
    void dependencyMatchesTheGoldenEnvelopeFieldByField() throws IOException {
        byte[] written = ENVELOPES.dependency(new CallRecord(Instant.parse("2026-11-24T10:15:30.123Z"),
            "4bf92f3577b34da6a3ce929d0e0e4736", "b7ad6b7169203331", "00f067aa0ba902b7", "POST /api/orders",
            "https://orders-weu.azurewebsites.net/api/orders", "orders-weu.azurewebsites.net", "westeurope", "200",
            true, 245_000_000L, 1, false, false, 100.0, "westeurope(nearest)", false, null));
        assertSameFields(GOLDEN_DEPENDENCY, written);
    }

    @Test
    void failedSampledDependencyMatchesTheGoldenEnvelopeFieldByField() throws IOException {
        long nanos = ((26L * 3600) * 1_000_000L + 1) * 1000;
        byte[] written = ENVELOPES.dependency(new CallRecord(Instant.parse("2026-11-24T10:15:31Z"),
            "0af7651916cd43dd8448eb211c80319c", "53995c3f42cd8ad8", null, "GET /api/orders/{id}",
            "https://orders-neu.azurewebsites.net/api/orders/42", "orders-neu.azurewebsites.net", "northeurope",
            "TIMEOUT", false, nanos, 3, true, true, 25.0, "staging",
            "westeurope(nearest)>northeurope(failover:TIMEOUT)>eastus(hedge:120ms)", false, null));
        assertSameFields(GOLDEN_FAILED_DEPENDENCY, written);
    }

    /** A run-time control change: one event with its source, the change on one line and each new value. */
    static final String GOLDEN_CONTROL_EVENT = "{\"ver\":1,\"name\":\"Event\",\"time\":\"2026-11-24T10:17:00Z\","
        + "\"iKey\":\"11111111-2222-3333-4444-555555555555\","
        + "\"tags\":{\"ai.cloud.role\":\"branch-app\",\"ai.cloud.roleInstance\":\"branch-042\","
        + "\"ai.internal.sdkVersion\":\"branchline-java:1.0.0\"},"
        + "\"data\":{\"baseType\":\"EventData\",\"baseData\":{\"ver\":2,\"name\":\"branchline.control\","
        + "\"properties\":{\"source\":\"file /etc/branchline/control.properties\","
        + "\"change\":\"exclude: \\\"\\\" -> \\\"westeurope\\\"\",\"control.exclude\":\"westeurope\","
        + "\"branch\":\"branch-042\"}}}}";

    @Test
    void controlEventMatchesTheGoldenEnvelopeFieldByField() throws IOException {
        byte[] written = ENVELOPES.controlEvent(new ControlRecord(Instant.parse("2026-11-24T10:17:00Z"),
            "file /etc/branchline/control.properties", "exclude: \"\" -> \"westeurope\"",
            java.util.Map.of("exclude", "westeurope")));
        assertSameFields(GOLDEN_CONTROL_EVENT, written);
    }

    @Test
    void regionMetricMatchesTheGoldenEnvelopeFieldByField() throws IOException {
        byte[] written = ENVELOPES.metric(new MetricRecord(Instant.parse("2026-11-24T10:16:00Z"),
            MetricNames.REGION_LATENCY, 24.5, "westeurope"));
        assertSameFields(GOLDEN_REGION_METRIC, written);
    }

    @Test
    void branchMetricMatchesTheGoldenEnvelopeFieldByField() throws IOException {
        byte[] written = ENVELOPES.metric(new MetricRecord(Instant.parse("2026-11-24T10:16:00Z"),
            MetricNames.TELEMETRY_DROPPED, 7, null));
        assertSameFields(GOLDEN_BRANCH_METRIC, written);
    }

    /** The strict local endpoint takes the golden lines: the fake and the hand-written contract agree. */
    @Test
    void theStrictEndpointAcceptsEveryGoldenEnvelope() throws Exception {
        try (IngestionEndpoint endpoint = IngestionEndpoint.start(IKEY)) {
            String body = String.join("\n", GOLDEN_DEPENDENCY, GOLDEN_FAILED_DEPENDENCY, GOLDEN_REGION_METRIC,
                GOLDEN_BRANCH_METRIC);
            HttpRequest request = new HttpRequest(HttpMethod.POST, endpoint.ingestionUrl())
                .setHeader(HttpHeaderName.CONTENT_TYPE, "application/x-json-stream").setBody(body);
            try (HttpResponse r = HttpClient.createDefault().send(request).block(Duration.ofSeconds(10))) {
                String answer = r.getBodyAsString().block(Duration.ofSeconds(10));
                assertEquals(200, r.getStatusCode(), answer);
                assertEquals("{\"itemsReceived\":4,\"itemsAccepted\":4,\"errors\":[]}", answer);
            }
            endpoint.assertNoViolations();
        }
    }

    /** Compares every leaf of both documents by its path, reporting each field that differs. */
    static void assertSameFields(String golden, byte[] written) throws IOException {
        Map<String, Object> expected = flatten(parse(golden.getBytes(StandardCharsets.UTF_8)));
        Map<String, Object> actual = flatten(parse(written));
        StringBuilder diff = new StringBuilder();
        for (Map.Entry<String, Object> e : expected.entrySet()) {
            Object a = actual.get(e.getKey());
            if (!actual.containsKey(e.getKey())) {
                diff.append("\n  missing ").append(e.getKey()).append(" (contract: ").append(e.getValue()).append(')');
            } else if (!same(e.getValue(), a)) {
                diff.append("\n  ").append(e.getKey()).append(": contract ").append(describe(e.getValue()))
                    .append(", exporter ").append(describe(a));
            }
        }
        for (String k : actual.keySet()) {
            if (!expected.containsKey(k)) {
                diff.append("\n  extra ").append(k).append(" = ").append(describe(actual.get(k)));
            }
        }
        assertTrue(diff.length() == 0, "envelope differs from the contract's:" + diff + "\nwritten: "
            + new String(written, StandardCharsets.UTF_8));
        assertEquals(expected.keySet().size(), actual.keySet().size());
    }

    private static boolean same(Object expected, Object actual) {
        if (expected instanceof Number e && actual instanceof Number a) {
            return e.doubleValue() == a.doubleValue();
        }
        return expected.equals(actual);
    }

    private static String describe(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName() + " " + v;
    }

    private static Object parse(byte[] json) throws IOException {
        try (JsonReader reader = JsonProviders.createReader(json)) {
            reader.nextToken();
            return reader.readUntyped();
        }
    }

    static Map<String, Object> flatten(Object root) {
        Map<String, Object> out = new TreeMap<>();
        flatten("", root, out);
        return out;
    }

    private static void flatten(String path, Object v, Map<String, Object> out) {
        if (v instanceof Map<?, ?> m) {
            m.forEach((k, x) -> flatten(path.isEmpty() ? String.valueOf(k) : path + "." + k, x, out));
        } else if (v instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                flatten(path + "[" + i + "]", l.get(i), out);
            }
        } else {
            out.put(path, v);
        }
    }
}
