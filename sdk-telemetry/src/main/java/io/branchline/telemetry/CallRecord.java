package io.branchline.telemetry;

import java.time.Instant;

/**
 * What the listener keeps of one finished call: small, immutable, built on the caller's thread without I/O and
 * turned into JSON later on the sender thread. Holds no key, token or query string.
 */
record CallRecord(Instant time, String traceId, String spanId, String parentSpanId, String name, String url,
    String target, String region, String resultCode, boolean success, long durationNanos, int attempts,
    boolean failover, boolean hedged, double sampleRate) {
}
