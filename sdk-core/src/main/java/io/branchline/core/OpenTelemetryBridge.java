package io.branchline.core;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Continues the application's current OpenTelemetry span when the OpenTelemetry API is on the class path, without
 * depending on it: looked up once, then called through method handles. Absent or failing, it reports no span.
 */
final class OpenTelemetryBridge {
    private static final MethodHandle CURRENT;
    private static final MethodHandle CONTEXT;
    private static final MethodHandle VALID;
    private static final MethodHandle TRACE_ID;
    private static final MethodHandle SPAN_ID;
    private static final MethodHandle FLAGS;
    private static final MethodHandle FLAGS_HEX;

    static {
        MethodHandle current = null;
        MethodHandle context = null;
        MethodHandle valid = null;
        MethodHandle traceId = null;
        MethodHandle spanId = null;
        MethodHandle flags = null;
        MethodHandle flagsHex = null;
        try {
            ClassLoader cl = OpenTelemetryBridge.class.getClassLoader();
            Class<?> span = Class.forName("io.opentelemetry.api.trace.Span", false, cl);
            Class<?> spanContext = Class.forName("io.opentelemetry.api.trace.SpanContext", false, cl);
            Class<?> traceFlags = Class.forName("io.opentelemetry.api.trace.TraceFlags", false, cl);
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            current = lookup.findStatic(span, "current", MethodType.methodType(span));
            context = lookup.findVirtual(span, "getSpanContext", MethodType.methodType(spanContext));
            valid = lookup.findVirtual(spanContext, "isValid", MethodType.methodType(boolean.class));
            traceId = lookup.findVirtual(spanContext, "getTraceId", MethodType.methodType(String.class));
            spanId = lookup.findVirtual(spanContext, "getSpanId", MethodType.methodType(String.class));
            flags = lookup.findVirtual(spanContext, "getTraceFlags", MethodType.methodType(traceFlags));
            flagsHex = lookup.findVirtual(traceFlags, "asHex", MethodType.methodType(String.class));
        } catch (ReflectiveOperationException | LinkageError | SecurityException e) {
            current = null;
        }
        CURRENT = current;
        CONTEXT = context;
        VALID = valid;
        TRACE_ID = traceId;
        SPAN_ID = spanId;
        FLAGS = flags;
        FLAGS_HEX = flagsHex;
    }

    private OpenTelemetryBridge() {
    }

    /** The {@code traceparent} of the current OpenTelemetry span, or {@code null} when there is none. */
    static String currentTraceparent() {
        if (CURRENT == null) {
            return null;
        }
        try {
            Object span = CURRENT.invoke();
            Object ctx = CONTEXT.invoke(span);
            if (!(boolean) VALID.invoke(ctx)) {
                return null;
            }
            String tp = "00-" + TRACE_ID.invoke(ctx) + '-' + SPAN_ID.invoke(ctx) + '-' + FLAGS_HEX.invoke(FLAGS.invoke(ctx));
            return TraceContext.isValid(tp) ? tp : null;
        } catch (Throwable t) {
            return null;
        }
    }
}
