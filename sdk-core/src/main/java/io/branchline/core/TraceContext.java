package io.branchline.core;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * W3C trace context: parses and makes {@code traceparent} values. Every call makes one, so a new span is written
 * straight into the one {@code traceparent} string it sends; the trace id, span id and flags are cut from it only
 * when a listener asks for them.
 */
final class TraceContext {
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final int TRACE_ID = 3;
    private static final int SPAN_ID = 36;
    private static final int FLAGS = 53;
    private static final int LENGTH = 55;

    private final String traceparent;
    final String parentSpanId;

    private TraceContext(String traceparent, String parentSpanId) {
        this.traceparent = traceparent;
        this.parentSpanId = parentSpanId;
    }

    static boolean isValid(String traceparent) {
        if (traceparent == null || !TRACEPARENT.matcher(traceparent).matches()) {
            return false;
        }
        return !allZero(traceparent, TRACE_ID, 32) && !allZero(traceparent, SPAN_ID, 16);
    }

    private static boolean allZero(String s, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** A new span: child of the given parent when valid, else the root of a new trace. */
    static TraceContext newSpan(String parentTraceparent) {
        if (parentTraceparent != null && isValid(parentTraceparent)) {
            return child(parentTraceparent);
        }
        String current = OpenTelemetryBridge.currentTraceparent();
        if (current != null) {
            return child(current);
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] out = new byte[LENGTH];
        header(out);
        long high = r.nextLong();
        long low = r.nextLong();
        if (high == 0 && low == 0) {
            low = 1; // an all-zero trace id is invalid
        }
        hex(out, TRACE_ID, high);
        hex(out, TRACE_ID + 16, low);
        hex(out, SPAN_ID, spanId(r));
        out[FLAGS] = '0';
        out[FLAGS + 1] = '1';
        return new TraceContext(new String(out, StandardCharsets.ISO_8859_1), null);
    }

    /** Same trace and flags as a valid parent, a new span id. */
    private static TraceContext child(String parent) {
        byte[] out = new byte[LENGTH];
        header(out);
        for (int i = TRACE_ID; i < TRACE_ID + 32; i++) {
            out[i] = (byte) parent.charAt(i);
        }
        hex(out, SPAN_ID, spanId(ThreadLocalRandom.current()));
        out[FLAGS] = (byte) parent.charAt(FLAGS);
        out[FLAGS + 1] = (byte) parent.charAt(FLAGS + 1);
        return new TraceContext(new String(out, StandardCharsets.ISO_8859_1), parent.substring(SPAN_ID, SPAN_ID + 16));
    }

    private static long spanId(ThreadLocalRandom r) {
        long id = r.nextLong();
        return id == 0 ? 1 : id; // an all-zero span id is invalid
    }

    private static void header(byte[] out) {
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        out[SPAN_ID - 1] = '-';
        out[FLAGS - 1] = '-';
    }

    private static void hex(byte[] out, int at, long value) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (value & 0xF)];
            value >>>= 4;
        }
    }

    String traceparent() {
        return traceparent;
    }

    /** @return the 32 hex digits of the trace id */
    String traceId() {
        return traceparent.substring(TRACE_ID, TRACE_ID + 32);
    }

    /** @return the 16 hex digits of this span's id */
    String spanId() {
        return traceparent.substring(SPAN_ID, SPAN_ID + 16);
    }

    /** @return whether the W3C sampled flag is set */
    boolean sampled() {
        return (Character.digit(traceparent.charAt(FLAGS + 1), 16) & 1) == 1;
    }
}
