package io.branchline.core;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The traceparent each call sends, and the ids telemetry correlates by, read from it. */
class TraceContextTest {
    private static final String PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @Test
    void aRootSpanIsAValidSampledTraceparentWhoseIdsTelemetryCanRead() {
        TraceContext t = TraceContext.newSpan(null);
        String tp = t.traceparent();
        assertTrue(TraceContext.isValid(tp), tp);
        assertEquals("00-" + t.traceId() + "-" + t.spanId() + "-01", tp);
        assertEquals(32, t.traceId().length());
        assertEquals(16, t.spanId().length());
        assertTrue(t.sampled());
        assertNull(t.parentSpanId);
    }

    @Test
    void everyCallStartsItsOwnTraceAndSpan() {
        Set<String> traces = new HashSet<>();
        Set<String> spans = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            TraceContext t = TraceContext.newSpan(null);
            traces.add(t.traceId());
            spans.add(t.spanId());
        }
        assertEquals(1000, traces.size());
        assertEquals(1000, spans.size());
    }

    @Test
    void aChildKeepsTheCallersTraceAndFlagsAndNamesItsSpanAsParent() {
        TraceContext t = TraceContext.newSpan(PARENT);
        assertTrue(TraceContext.isValid(t.traceparent()), t.traceparent());
        assertEquals("0af7651916cd43dd8448eb211c80319c", t.traceId());
        assertEquals("b7ad6b7169203331", t.parentSpanId);
        assertNotEquals("b7ad6b7169203331", t.spanId());
        assertTrue(t.traceparent().endsWith("-01"));
        assertTrue(t.sampled());

        TraceContext unsampled = TraceContext.newSpan(PARENT.substring(0, 53) + "00");
        assertTrue(unsampled.traceparent().endsWith("-00"));
        assertFalse(unsampled.sampled());
    }

    @Test
    void anInvalidParentStartsANewTrace() {
        for (String bad : new String[] {"nope", "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", PARENT.toUpperCase()}) {
            assertFalse(TraceContext.isValid(bad), bad);
            TraceContext t = TraceContext.newSpan(bad);
            assertNull(t.parentSpanId, bad);
            assertNotEquals("0af7651916cd43dd8448eb211c80319c", t.traceId(), bad);
            assertTrue(TraceContext.isValid(t.traceparent()), bad);
        }
    }
}
