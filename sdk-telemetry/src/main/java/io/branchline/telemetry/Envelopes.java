package io.branchline.telemetry;

import com.azure.json.JsonProviders;
import com.azure.json.JsonWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Writes Application Insights envelopes (track contract v2.1) as one line of JSON each, with azure-json. Field
 * lengths are cut to the contract's {@code maxLength}.
 */
final class Envelopes {
    // Envelope names as the Azure Monitor exporters send them; the type ingestion files an item under is
    // data.baseType, whose values are Application Insights type names, not the swagger's definition names.
    static final String DEPENDENCY_NAME = "RemoteDependency";
    static final String METRIC_NAME = "Metric";
    static final String DEPENDENCY_BASE_TYPE = "RemoteDependencyData";
    /** The metric base type: {@code MetricData}; {@code MetricsData} is only the swagger definition's name. */
    static final String METRIC_BASE_TYPE = "MetricData";
    static final String EVENT_NAME = "Event";
    static final String EVENT_BASE_TYPE = "EventData";
    /** The {@code customEvents} name of a run-time control change. */
    static final String CONTROL_EVENT = "branchline.control";
    /** The {@code customEvents} names of the branch's link going down and coming back. */
    static final String LINK_DOWN_EVENT = "branchline.link.down";
    static final String LINK_UP_EVENT = "branchline.link.up";
    /** EventData.name's maxLength in the contract. */
    static final int MAX_EVENT_NAME = 512;

    // maxLength from appinsights-track-v2.1.swagger.json (RemoteDependencyData, DataPoint) and, for context tags,
    // from the Application Insights data model (the contract gives no limit for tags).
    static final int MAX_ID = 512;
    static final int MAX_NAME = 1024;
    static final int MAX_RESULT_CODE = 1024;
    static final int MAX_DATA = 8192;
    static final int MAX_TYPE = 1024;
    static final int MAX_TARGET = 1024;
    static final int MAX_PROPERTY_KEY = 150;
    static final int MAX_PROPERTY_VALUE = 8192;
    static final int MAX_METRIC_NAME = 1024;
    static final int MAX_OPERATION_ID = 128;
    static final int MAX_ROLE = 256;
    static final int MAX_SDK_VERSION = 64;

    private final String iKey;
    private final String roleName;
    private final String roleInstance;
    private final String sdkVersion;

    Envelopes(String iKey, String roleName, String roleInstance, String sdkVersion) {
        this.iKey = iKey;
        this.roleName = cut(roleName, MAX_ROLE);
        this.roleInstance = cut(roleInstance, MAX_ROLE);
        this.sdkVersion = cut(sdkVersion, MAX_SDK_VERSION);
    }

    /** Writes what goes inside {@code baseData}. */
    @FunctionalInterface
    private interface BaseData {
        void write(JsonWriter w) throws IOException;
    }

    byte[] dependency(CallRecord r) {
        return envelope(DEPENDENCY_NAME, r.time(), r.sampleRate(), r.traceId(), r.parentSpanId(), DEPENDENCY_BASE_TYPE,
            768, w -> {
                w.writeStringField("id", cut(r.spanId(), MAX_ID));
                w.writeStringField("name", cut(r.name(), MAX_NAME));
                w.writeStringField("resultCode", cut(r.resultCode(), MAX_RESULT_CODE));
                w.writeStringField("data", cut(r.url(), MAX_DATA));
                w.writeStringField("type", cut("Http", MAX_TYPE));
                w.writeStringField("target", cut(r.target(), MAX_TARGET));
                w.writeStringField("duration", duration(r.durationNanos()));
                w.writeBooleanField("success", r.success());
                w.writeStartObject("properties");
                property(w, "region", r.region());
                property(w, "attempts", Integer.toString(r.attempts()));
                property(w, "failover", Boolean.toString(r.failover()));
                property(w, "hedged", Boolean.toString(r.hedged()));
                property(w, "slot", r.slot());
                property(w, "route", r.route());
                if (r.servedStale()) {
                    property(w, "servedStale", "true");
                    property(w, "error", r.error());
                }
                property(w, "branch", roleInstance);
                w.writeEndObject();
            });
    }

    byte[] metric(MetricRecord m) {
        return envelope(METRIC_NAME, m.time(), 100.0, null, null, METRIC_BASE_TYPE, 512, w -> {
            w.writeStartArray("metrics");
            w.writeStartObject();
            w.writeStringField("name", cut(m.name(), MAX_METRIC_NAME));
            w.writeStringField("kind", "Measurement");
            w.writeDoubleField("value", m.value());
            w.writeEndObject();
            w.writeEndArray();
            w.writeStartObject("properties");
            property(w, "region", m.region());
            property(w, "branch", roleInstance);
            w.writeEndObject();
        });
    }

    /**
     * A control change: event {@value #CONTROL_EVENT} with {@code source}, {@code change} (the whole change on one
     * line) and one {@code control.<name>} property per changed setting holding its new value.
     */
    byte[] controlEvent(ControlRecord c) {
        return envelope(EVENT_NAME, c.time(), 100.0, null, null, EVENT_BASE_TYPE, 512, w -> {
            w.writeStringField("name", cut(CONTROL_EVENT, MAX_EVENT_NAME));
            w.writeStartObject("properties");
            property(w, "source", c.source());
            property(w, "change", c.description());
            for (java.util.Map.Entry<String, String> e : new java.util.TreeMap<>(c.changes()).entrySet()) {
                property(w, "control." + e.getKey(), e.getValue());
            }
            property(w, "branch", roleInstance);
            w.writeEndObject();
        });
    }

    /** One event of the branch (its link going down or coming back): {@code name} and its properties. */
    byte[] event(EventRecord e) {
        return envelope(EVENT_NAME, e.time(), 100.0, null, null, EVENT_BASE_TYPE, 384, w -> {
            w.writeStringField("name", cut(e.name(), MAX_EVENT_NAME));
            w.writeStartObject("properties");
            for (java.util.Map.Entry<String, String> p : e.properties().entrySet()) {
                property(w, p.getKey(), p.getValue());
            }
            property(w, "branch", roleInstance);
            w.writeEndObject();
        });
    }

    /** One envelope: header, tags ({@code ai.operation.*} when a trace id is given), then {@code data.baseData}. */
    private byte[] envelope(String name, java.time.Instant time, double sampleRate, String traceId, String parentSpanId,
        String baseType, int sizeHint, BaseData baseData) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
        try (JsonWriter w = JsonProviders.createWriter(out)) {
            w.writeStartObject();
            w.writeIntField("ver", 1);
            w.writeStringField("name", name);
            w.writeStringField("time", DateTimeFormatter.ISO_INSTANT.format(time));
            if (sampleRate < 100.0) {
                w.writeDoubleField("sampleRate", sampleRate);
            }
            w.writeStringField("iKey", iKey);
            w.writeStartObject("tags");
            if (traceId != null) {
                w.writeStringField("ai.operation.id", cut(traceId, MAX_OPERATION_ID));
            }
            if (parentSpanId != null) {
                w.writeStringField("ai.operation.parentId", cut(parentSpanId, MAX_OPERATION_ID));
            }
            commonTags(w);
            w.writeEndObject();
            w.writeStartObject("data");
            w.writeStringField("baseType", baseType);
            w.writeStartObject("baseData");
            w.writeIntField("ver", 2);
            baseData.write(w);
            w.writeEndObject();
            w.writeEndObject();
            w.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void commonTags(JsonWriter w) throws IOException {
        w.writeStringField("ai.cloud.role", roleName);
        w.writeStringField("ai.cloud.roleInstance", roleInstance);
        w.writeStringField("ai.internal.sdkVersion", sdkVersion);
    }

    private static void property(JsonWriter w, String key, String value) throws IOException {
        if (value != null) {
            w.writeStringField(cut(key, MAX_PROPERTY_KEY), cut(value, MAX_PROPERTY_VALUE));
        }
    }

    /** Cuts a string to at most {@code max} characters, never splitting a surrogate pair. */
    static String cut(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int end = max;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    /**
     * Formats a duration as the contract's {@code hh:mm:ss.ffffff} (microseconds), with a day part
     * {@code d.hh:mm:ss.ffffff} only from one day on, as the Azure Monitor exporter writes it; capped below 1000 days.
     */
    static String duration(long nanos) {
        long micros = Math.max(0, nanos) / 1000;
        long maxMicros = 999L * 86_400_000_000L + 86_399_999_999L;
        micros = Math.min(micros, maxMicros);
        long days = micros / 86_400_000_000L;
        long rest = micros % 86_400_000_000L;
        long hours = rest / 3_600_000_000L;
        rest %= 3_600_000_000L;
        long minutes = rest / 60_000_000L;
        rest %= 60_000_000L;
        long seconds = rest / 1_000_000L;
        long fraction = rest % 1_000_000L;
        if (days == 0) {
            return String.format(Locale.ROOT, "%02d:%02d:%02d.%06d", hours, minutes, seconds, fraction);
        }
        return String.format(Locale.ROOT, "%d.%02d:%02d:%02d.%06d", days, hours, minutes, seconds, fraction);
    }
}
