package io.branchline.core;

import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.TimeoutOptions;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.branchline.core.Fixtures.assertNoRequest;
import static io.branchline.core.Fixtures.builder;
import static io.branchline.core.Fixtures.ok;
import static io.branchline.core.Fixtures.region;
import static io.branchline.core.Fixtures.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hedging with a router whose plans carry a hedge delay. */
class HedgingTest {
    @StartStop
    final MockWebServer we = new MockWebServer();
    @StartStop
    final MockWebServer ne = new MockWebServer();

    /** Plans every configured region in order with a fixed hedge delay, and records every attempt it hears of. */
    static final class HedgingRouter implements RegionRouter {
        final List<String> ended = new CopyOnWriteArrayList<>();
        private volatile RoutePlan plan;
        private final Duration delay;

        HedgingRouter(Duration delay) {
            this.delay = delay;
        }

        @Override
        public void start(RouterContext context) {
            plan = RoutePlan.builder().regions(context.regions()).hedgeDelay(delay).build();
        }

        @Override
        public RoutePlan plan(FunctionRequest request) {
            return plan;
        }

        @Override
        public void onAttemptEnd(Region region, Attempt attempt) {
            ended.add(region.name() + " " + attempt.outcome());
        }
    }

    private static MockResponse slow() {
        return new MockResponse.Builder().code(200).body("slow").headersDelay(5, TimeUnit.SECONDS).build();
    }

    @Test
    void slowFirstRegionIsHedgedTheHedgeWinsAndTheLoserIsCancelled() throws Exception {
        we.enqueue(slow());
        ne.enqueue(ok("{\"from\":\"ne\"}"));
        HedgingRouter router = new HedgingRouter(Duration.ofMillis(100));
        List<String> events = new CopyOnWriteArrayList<>();
        CallListener listener = new CallListener() {
            @Override
            public void hedge(CallInfo call, Region primary, Region hedge) {
                events.add("hedge " + primary.name() + ">" + hedge.name());
            }
        };
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne)).router(router)
                .addListener(listener).buildClient()) {
            long start = System.nanoTime();
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("ne", r.region().name());
            assertTrue(ms >= 100 && ms < 4000, "took " + ms + " ms");
            assertTrue(r.hedged());
            assertTrue(r.failedOver());
            List<Attempt> attempts = r.attempts();
            assertEquals(2, attempts.size());
            assertEquals("we", attempts.get(0).region());
            assertEquals(1, attempts.get(0).number());
            assertEquals(AttemptOutcome.CANCELLED, attempts.get(0).outcome());
            assertFalse(attempts.get(0).hedged());
            assertEquals("ne", attempts.get(1).region());
            assertEquals(AttemptOutcome.SUCCESS, attempts.get(1).outcome());
            assertTrue(attempts.get(1).hedged());
            assertEquals(List.of("ne SUCCESS", "we CANCELLED"), router.ended);
            assertEquals(List.of("hedge we>ne"), events);
            assertEquals(take(we).getHeaders().get("traceparent"), take(ne).getHeaders().get("traceparent"));
        }
    }

    @Test
    void afterTheHedgeBothStalledAttemptsStillEndByTheirHeadersTimeout() throws Exception {
        // The primary's timer fires first for the hedge, then re-arms for the rest of its headers timeout.
        we.enqueue(new MockResponse.Builder().code(200).body("late").headersDelay(30, TimeUnit.SECONDS).build());
        ne.enqueue(new MockResponse.Builder().code(200).body("late").headersDelay(30, TimeUnit.SECONDS).build());
        TimeoutOptions timeouts = TimeoutOptions.builder().connect(Duration.ofMillis(500))
            .response(Duration.ofMillis(1000)).call(Duration.ofSeconds(20)).build();
        HedgingRouter router = new HedgingRouter(Duration.ofMillis(50));
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne)).router(router)
                .timeouts(timeouts).buildClient()) {
            long start = System.nanoTime();
            FunctionCallException e = assertThrows(FunctionCallException.class,
                () -> client.invoke(FunctionRequest.get("/api/x").build()));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            List<Attempt> attempts = e.attempts();
            assertEquals(2, attempts.size(), e.getMessage());
            assertEquals("we", attempts.get(0).region());
            assertEquals(AttemptOutcome.TIMEOUT, attempts.get(0).outcome());
            assertFalse(attempts.get(0).hedged());
            assertEquals("ne", attempts.get(1).region());
            assertEquals(AttemptOutcome.TIMEOUT, attempts.get(1).outcome());
            assertTrue(attempts.get(1).hedged());
            // each attempt waits for its headers until the response timeout (1 s): not the hedge delay (where a
            // timer that did not re-arm would end it), not the call's deadline
            assertTrue(attempts.get(0).latency().toMillis() >= 1000, attempts.get(0).toString());
            assertTrue(attempts.get(1).latency().toMillis() >= 1000, attempts.get(1).toString());
            assertTrue(ms >= 1000 && ms < 15_000, "took " + ms + " ms");
            take(we);
            take(ne);
        }
    }

    @Test
    void fastFirstRegionIsNotHedged() throws Exception {
        we.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne))
                .router(new HedgingRouter(Duration.ofSeconds(2))).buildClient()) {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            assertEquals("we", r.region().name());
            assertFalse(r.hedged());
            assertNoRequest(ne);
        }
    }

    @Test
    void postsAndRequestsThatOptOutAreNeverHedged() throws Exception {
        we.enqueue(new MockResponse.Builder().code(200).body("a").headersDelay(300, TimeUnit.MILLISECONDS).build());
        we.enqueue(new MockResponse.Builder().code(200).body("b").headersDelay(300, TimeUnit.MILLISECONDS).build());
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne))
                .router(new HedgingRouter(Duration.ofMillis(20))).buildClient()) {
            assertEquals("we", client.invoke(FunctionRequest.post("/api/x").body("{}").build()).region().name());
            assertEquals("we", client.invoke(FunctionRequest.get("/api/x").hedge(false).build()).region().name());
            assertNoRequest(ne);
        }
    }
}
