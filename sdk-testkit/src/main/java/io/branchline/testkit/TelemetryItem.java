package io.branchline.testkit;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A telemetry envelope accepted by an {@link IngestionEndpoint}: a read-only view of the parsed JSON. Immutable.
 */
public final class TelemetryItem {
    private final Map<String, Object> envelope;
    private final String json;

    TelemetryItem(Map<String, Object> envelope, String json) {
        this.envelope = envelope;
        this.json = json;
    }

    /**
     * The envelope name, for example {@code RemoteDependency}.
     *
     * @return the name
     */
    public String name() {
        return (String) envelope.get("name");
    }

    /**
     * The envelope time as sent.
     *
     * @return an ISO-8601 UTC date-time string
     */
    public String time() {
        return (String) envelope.get("time");
    }

    /**
     * The instrumentation key of the envelope.
     *
     * @return the {@code iKey}
     */
    public String iKey() {
        return (String) envelope.get("iKey");
    }

    /**
     * The sampling percentage of the envelope.
     *
     * @return {@code sampleRate}, or 100 when absent
     */
    public double sampleRate() {
        return envelope.get("sampleRate") instanceof Number n ? n.doubleValue() : 100.0;
    }

    /**
     * The context tags, for example {@code ai.operation.id} or {@code ai.cloud.role}.
     *
     * @return an unmodifiable map, empty when absent
     */
    public Map<String, String> tags() {
        Map<String, String> tags = new LinkedHashMap<>();
        if (envelope.get("tags") instanceof Map<?, ?> m) {
            m.forEach((k, v) -> tags.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        }
        return Collections.unmodifiableMap(tags);
    }

    /**
     * The kind of telemetry in {@code data.baseType}.
     *
     * @return for example {@code RemoteDependencyData}, {@code MetricData} or {@code RequestData}
     */
    public String baseType() {
        return data().get("baseType") instanceof String s ? s : null;
    }

    /**
     * The telemetry payload in {@code data.baseData}: strings, numbers, booleans, nested maps and lists as parsed.
     *
     * @return an unmodifiable map, empty when absent
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> baseData() {
        return data().get("baseData") instanceof Map<?, ?> m
                ? Collections.unmodifiableMap((Map<String, Object>) m) : Map.of();
    }

    /**
     * One string property of {@code baseData.properties} (custom dimensions).
     *
     * @param key the property name
     * @return the value, or {@code null} when absent
     */
    public String property(String key) {
        return baseData().get("properties") instanceof Map<?, ?> m && m.get(key) != null
                ? String.valueOf(m.get(key)) : null;
    }

    /**
     * The envelope as JSON text, as received for newline-delimited bodies.
     *
     * @return the JSON
     */
    public String json() {
        return json;
    }

    private Map<?, ?> data() {
        return envelope.get("data") instanceof Map<?, ?> m ? m : Map.of();
    }

    /**
     * Returns the JSON text.
     *
     * @return {@link #json()}
     */
    @Override
    public String toString() {
        return json;
    }
}
