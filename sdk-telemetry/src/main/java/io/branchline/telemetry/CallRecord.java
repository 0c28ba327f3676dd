package io.branchline.telemetry;

import java.time.Instant;

/**
 * What the listener keeps of one finished call: small, immutable, built on the caller's thread without I/O and
 * turned into JSON later on the sender thread. Holds no key, token or query string.
 *
 * @param slot the deployment slot that served the call ({@link #PRODUCTION} for the production app)
 * @param route the compact route ({@code Route.compact()}), or {@code null}
 * @param servedStale whether the call was answered from the stale-if-error cache, every region having failed
 * @param error for a stale answer, the first line of the failure it stands in for; else {@code null}
 */
record CallRecord(Instant time, String traceId, String spanId, String parentSpanId, String name, String url,
    String target, String region, String resultCode, boolean success, long durationNanos, int attempts,
    boolean failover, boolean hedged, double sampleRate, String slot, String route, boolean servedStale,
    String error) {

    /** The {@code slot} of calls served by a region's production app. */
    static final String PRODUCTION = "production";

    /** A call served by the production app. */
    CallRecord(Instant time, String traceId, String spanId, String parentSpanId, String name, String url,
        String target, String region, String resultCode, boolean success, long durationNanos, int attempts,
        boolean failover, boolean hedged, double sampleRate, String route, boolean servedStale, String error) {
        this(time, traceId, spanId, parentSpanId, name, url, target, region, resultCode, success, durationNanos,
            attempts, failover, hedged, sampleRate, PRODUCTION, route, servedStale, error);
    }
}
