package io.branchline.core;

import java.time.Instant;

/**
 * Identity of one call, handed to every {@link CallListener} event of that call: the request, when it started,
 * and the W3C trace context sent with each of its attempts.
 */
public final class CallInfo {
    private final FunctionRequest request;
    private final TraceContext trace;
    /** Epoch milliseconds by the client's clock: the {@link Instant} is made only when a listener asks. */
    private final long startMillis;
    private final long startNanos;

    CallInfo(FunctionRequest request, TraceContext trace, long startMillis, long startNanos) {
        this.request = request;
        this.trace = trace;
        this.startMillis = startMillis;
        this.startNanos = startNanos;
    }

    /** @return the request */
    public FunctionRequest request() {
        return request;
    }

    /** @return when the call started, by the client's clock */
    public Instant startTime() {
        return Instant.ofEpochMilli(startMillis);
    }

    /** @return {@link System#nanoTime()} when the call started, for measuring durations */
    public long startNanos() {
        return startNanos;
    }

    /** @return the 32-hex-digit trace id shared with the function's own telemetry */
    public String traceId() {
        return trace.traceId();
    }

    /** @return the 16-hex-digit span id of this call, the parent id the function's request telemetry names */
    public String spanId() {
        return trace.spanId();
    }

    /** @return the caller's span id when the call continued a trace, or {@code null} */
    public String parentSpanId() {
        return trace.parentSpanId;
    }

    /** @return whether the trace is sampled (the W3C sampled flag) */
    public boolean sampled() {
        return trace.sampled();
    }

    /** @return the {@code traceparent} header value sent with every attempt */
    public String traceparent() {
        return trace.traceparent();
    }

    @Override
    public String toString() {
        return "CallInfo{" + request.method() + ' ' + request.route() + ", traceparent=" + traceparent() + '}';
    }
}
