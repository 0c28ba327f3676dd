package io.branchline.core;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** W3C trace context: parses and makes {@code traceparent} values. */
final class TraceContext {
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    final String traceId;
    final String spanId;
    final String parentSpanId;
    final String flags;
    private final String traceparent;

    private TraceContext(String traceId, String spanId, String parentSpanId, String flags) {
        this.traceId = traceId;
        this.spanId = spanId;
        this.parentSpanId = parentSpanId;
        this.flags = flags;
        this.traceparent = "00-" + traceId + '-' + spanId + '-' + flags;
    }

    static boolean isValid(String traceparent) {
        if (traceparent == null || !TRACEPARENT.matcher(traceparent).matches()) {
            return false;
        }
        return !traceparent.substring(3, 35).equals("0".repeat(32)) && !traceparent.substring(36, 52).equals("0".repeat(16));
    }

    /** A new span: child of the given parent when valid, else the root of a new trace. */
    static TraceContext newSpan(String parentTraceparent) {
        if (parentTraceparent != null && isValid(parentTraceparent)) {
            return new TraceContext(parentTraceparent.substring(3, 35), randomHex(8), parentTraceparent.substring(36, 52),
                parentTraceparent.substring(53, 55));
        }
        String current = OpenTelemetryBridge.currentTraceparent();
        if (current != null) {
            return newSpan(current);
        }
        return new TraceContext(randomHex(16), randomHex(8), null, "01");
    }

    String traceparent() {
        return traceparent;
    }

    private static String randomHex(int bytes) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = new char[bytes * 2];
        boolean allZero = true;
        for (int i = 0; i < bytes; i++) {
            int b = r.nextInt(256);
            allZero &= b == 0;
            out[2 * i] = HEX[b >>> 4];
            out[2 * i + 1] = HEX[b & 0xF];
        }
        if (allZero) {
            out[out.length - 1] = '1';
        }
        return new String(out);
    }
}
