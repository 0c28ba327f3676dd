package io.branchline.core;

import io.branchline.core.models.ProbeResult;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Events telemetry relies on beyond the happy path: cancellation, probes, and the caller's OpenTelemetry span. */
class ListenerEventsTest {
    @StartStop
    final MockWebServer server = new MockWebServer();

    @Test
    void aCallCancelledByItsCallerEndsWithCallFailed() throws Exception {
        server.enqueue(new MockResponse.Builder().headersDelay(10, TimeUnit.SECONDS).body("late").build());
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        AtomicReference<FunctionCallException> failure = new AtomicReference<>();
        CallListener listener = new CallListener() {
            @Override
            public void attemptStart(CallInfo call, Region region, int attemptNumber, boolean hedge) {
                started.countDown();
            }

            @Override
            public void callFailed(CallInfo call, FunctionCallException error) {
                failure.set(error);
                ended.countDown();
            }
        };
        try (FunctionAsyncClient client = Fixtures.builder().region(Fixtures.region("we", server))
                .addListener(listener).buildAsyncClient()) {
            Disposable d = client.invoke(FunctionRequest.get("/api/slow").build()).subscribe(r -> { }, e -> { });
            assertTrue(started.await(5, TimeUnit.SECONDS));
            d.dispose();
            assertTrue(ended.await(5, TimeUnit.SECONDS), "callFailed must fire on cancel");
            assertTrue(failure.get().getMessage().contains("cancelled by the caller"), failure.get().getMessage());
            assertEquals("CANCELLED", failure.get().attempts().get(0).outcome().name());
        }
    }

    @Test
    void probesThroughTheContextReachListeners() throws Exception {
        server.enqueue(Fixtures.ok("{\"status\":\"Healthy\"}"));
        AtomicReference<RouterContext> context = new AtomicReference<>();
        RegionRouter router = new RegionRouter() {
            @Override
            public void start(RouterContext c) {
                context.set(c);
            }

            @Override
            public RoutePlan plan(FunctionRequest request) {
                return RoutePlan.of(context.get().regions());
            }

            @Override
            public void onAttemptEnd(Region region, io.branchline.core.models.Attempt attempt) {
            }
        };
        CountDownLatch probed = new CountDownLatch(1);
        AtomicReference<ProbeResult> seen = new AtomicReference<>();
        CallListener listener = new CallListener() {
            @Override
            public void probeCompleted(Region region, ProbeResult result) {
                seen.set(result);
                probed.countDown();
            }
        };
        try (FunctionClient client = Fixtures.builder().region(Fixtures.region("we", server)).router(router)
                .addListener(listener).buildClient()) {
            ProbeResult r = context.get().probe(client.regions().get(0), "GET", "/api/health", Map.of(),
                Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
            assertNotNull(r);
            assertEquals(200, r.statusCode());
            assertTrue(probed.await(5, TimeUnit.SECONDS));
            assertEquals(r, seen.get());
            assertEquals("key-we", Fixtures.take(server).getHeaders().get("x-functions-key"));
        }
    }

    @Test
    void aCallInsideAnOpenTelemetrySpanContinuesItsTrace() throws Exception {
        server.enqueue(Fixtures.ok("{}"));
        SpanContext parent = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
            TraceFlags.getSampled(), TraceState.getDefault());
        List<CallInfo> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (FunctionClient client = Fixtures.builder().region(Fixtures.region("we", server))
                .addListener(new CallListener() {
                    @Override
                    public void callStart(CallInfo call) {
                        calls.add(call);
                    }
                }).buildClient();
             Scope ignored = Span.wrap(parent).makeCurrent()) {
            client.invoke(FunctionRequest.get("/api/x").build());
        }
        String sent = Fixtures.take(server).getHeaders().get("traceparent");
        assertTrue(sent.startsWith("00-0af7651916cd43dd8448eb211c80319c-"), sent);
        assertEquals("b7ad6b7169203331", calls.get(0).parentSpanId());
        assertTrue(!sent.contains("b7ad6b7169203331"), "the call is a new child span");
    }
}
