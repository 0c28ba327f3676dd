package io.branchline.core;

import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.TimeoutOptions;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.branchline.core.Fixtures.assertNoRequest;
import static io.branchline.core.Fixtures.builder;
import static io.branchline.core.Fixtures.callFails;
import static io.branchline.core.Fixtures.ok;
import static io.branchline.core.Fixtures.refusedRegion;
import static io.branchline.core.Fixtures.region;
import static io.branchline.core.Fixtures.status;
import static io.branchline.core.Fixtures.take;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every failure class, what is retried in another region, and what the errors say. */
class FailoverTest {
    @StartStop
    final MockWebServer we = new MockWebServer();
    @StartStop
    final MockWebServer ne = new MockWebServer();

    private FunctionClient twoRegions() {
        return builder().region(region("we", we)).region(region("ne", ne)).buildClient();
    }

    private static List<AttemptOutcome> outcomes(List<Attempt> attempts) {
        return attempts.stream().map(Attempt::outcome).toList();
    }

    @Test
    void connectRefusedIsConnectFailedAndFailsOver() throws Exception {
        ne.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(refusedRegion("we")).region(region("ne", ne)).buildClient()) {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            assertEquals("ne", r.region().name());
            assertEquals(List.of(AttemptOutcome.CONNECT_FAILED, AttemptOutcome.SUCCESS), outcomes(r.attempts()));
            assertEquals(0, r.attempts().get(0).statusCode());
            assertTrue(r.attempts().get(0).error() != null);
        }
    }

    @Test
    void serverErrorFailsOverForGet() throws Exception {
        we.enqueue(status(503));
        ne.enqueue(ok("{}"));
        try (FunctionClient client = twoRegions()) {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            assertEquals(List.of(AttemptOutcome.SERVER_ERROR, AttemptOutcome.SUCCESS), outcomes(r.attempts()));
            assertEquals(503, r.attempts().get(0).statusCode());
        }
    }

    @Test
    void clientErrorIsNotRetried() throws Exception {
        we.enqueue(new MockResponse.Builder().code(404).setHeader("x-ms-request-id", "rid-9").body("no such order").build());
        try (FunctionClient client = twoRegions()) {
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.get("/api/orders/1").build()));
            assertFalse(e instanceof NoRegionAvailableException);
            assertEquals(404, e.statusCode());
            assertEquals("we", e.region());
            assertEquals("rid-9", e.requestId());
            assertArrayEquals("no such order".getBytes(), e.responseBody());
            assertEquals(404, e.getResponse().getStatusCode());
            assertEquals(List.of(AttemptOutcome.CLIENT_ERROR), outcomes(e.attempts()));
            assertNoRequest(ne);
        }
    }

    @Test
    void throttledWithRetryAfterSecondsIsParsedAndFailsOver() throws Exception {
        we.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "7").build());
        ne.enqueue(ok("{}"));
        try (FunctionClient client = twoRegions()) {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            Attempt first = r.attempts().get(0);
            assertEquals(AttemptOutcome.THROTTLED, first.outcome());
            assertEquals(Duration.ofSeconds(7), first.retryAfter());
        }
    }

    @Test
    void throttledWithRetryAfterHttpDateIsParsedAgainstTheClock() throws Exception {
        Instant now = Instant.parse("2030-01-01T10:00:00Z");
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(now.plusSeconds(90), ZoneOffset.UTC));
        we.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", date).build());
        ne.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne))
                .clock(Clock.fixed(now, ZoneOffset.UTC)).buildClient()) {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            assertEquals(Duration.ofSeconds(90), r.attempts().get(0).retryAfter());
        }
    }

    @Test
    void retryAfterParsing() {
        Clock clock = Clock.fixed(Instant.parse("2030-01-01T10:00:00Z"), ZoneOffset.UTC);
        assertEquals(Duration.ofSeconds(3), Outcomes.retryAfter("3", null, clock));
        assertEquals(Duration.ofMillis(250), Outcomes.retryAfter("3", "250", clock));
        assertEquals(Duration.ofSeconds(30), Outcomes.retryAfter("Tue, 01 Jan 2030 10:00:30 GMT", null, clock));
        assertEquals(Duration.ZERO, Outcomes.retryAfter("Tue, 01 Jan 2030 09:00:00 GMT", null, clock));
        assertNull(Outcomes.retryAfter("soon", null, clock));
        assertNull(Outcomes.retryAfter("-1", null, clock));
        assertNull(Outcomes.retryAfter(null, null, clock));
        assertEquals(Duration.ofSeconds(2), Outcomes.retryAfter("2", "x", clock));
    }

    @Test
    void statusClassification() {
        assertEquals(AttemptOutcome.SUCCESS, Outcomes.ofStatus(204));
        assertEquals(AttemptOutcome.SUCCESS, Outcomes.ofStatus(304));
        assertEquals(AttemptOutcome.TIMEOUT, Outcomes.ofStatus(408));
        assertEquals(AttemptOutcome.THROTTLED, Outcomes.ofStatus(429));
        assertEquals(AttemptOutcome.CLIENT_ERROR, Outcomes.ofStatus(401));
        assertEquals(AttemptOutcome.SERVER_ERROR, Outcomes.ofStatus(502));
        assertEquals(AttemptOutcome.CONNECT_FAILED, Outcomes.ofError(new java.net.UnknownHostException("x")));
        assertEquals(AttemptOutcome.CONNECT_FAILED, Outcomes.ofError(new javax.net.ssl.SSLHandshakeException("x")));
        assertEquals(AttemptOutcome.TIMEOUT, Outcomes.ofError(new java.util.concurrent.TimeoutException()));
        assertEquals(AttemptOutcome.IO_ERROR, Outcomes.ofError(new java.io.IOException("reset")));
    }

    @Test
    void connectionDroppedMidResponseIsIoError() throws Exception {
        we.enqueue(new MockResponse.Builder().code(200).body("x".repeat(10_000))
            .onResponseBody(new SocketEffect.CloseSocket(true, true, true)).build());
        ne.enqueue(ok("{}"));
        try (FunctionClient client = twoRegions()) {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            assertEquals(List.of(AttemptOutcome.IO_ERROR, AttemptOutcome.SUCCESS), outcomes(r.attempts()));
        }
    }

    @Test
    void postIsNotReplayedAfterItReachedAFailingServer() throws Exception {
        we.enqueue(status(500));
        try (FunctionClient client = twoRegions()) {
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.post("/api/orders").body("{}").build()));
            assertEquals(500, e.statusCode());
            assertTrue(e.getMessage().contains("not idempotent"), e.getMessage());
            assertTrue(e.getMessage().contains("idempotent(true)"), e.getMessage());
            assertEquals("POST", take(we).getMethod());
            assertNoRequest(ne);
        }
    }

    @Test
    void postIsNotReplayedAfterTheConnectionDroppedMidResponse() throws Exception {
        we.enqueue(new MockResponse.Builder().code(200).body("x".repeat(10_000))
            .onResponseBody(new SocketEffect.CloseSocket(true, true, true)).build());
        try (FunctionClient client = twoRegions()) {
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.post("/api/orders").body("{}").build()));
            assertEquals(List.of(AttemptOutcome.IO_ERROR), outcomes(e.attempts()));
            assertNoRequest(ne);
        }
    }

    @Test
    void idempotentPostIsReplayed() throws Exception {
        we.enqueue(status(500));
        ne.enqueue(ok("{}"));
        try (FunctionClient client = twoRegions()) {
            FunctionResponse r = client.invoke(FunctionRequest.post("/api/orders").body("{}").idempotent(true).build());
            assertEquals("ne", r.region().name());
            assertEquals("{}", take(ne).getBody().utf8());
        }
    }

    @Test
    void postIsReplayedWhenTheConnectionWasRefused() throws Exception {
        ne.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(refusedRegion("we")).region(region("ne", ne)).buildClient()) {
            FunctionResponse r = client.invoke(FunctionRequest.post("/api/orders").body("{\"a\":1}").build());
            assertEquals("ne", r.region().name());
            assertEquals("{\"a\":1}", take(ne).getBody().utf8());
        }
    }

    @Test
    void postIsReplayedOnAHostThrottle429() throws Exception {
        we.enqueue(new MockResponse.Builder().code(429).setHeader("X-FUNCTION-SCALEOUT", "1").build());
        ne.enqueue(ok("{}"));
        try (FunctionClient client = twoRegions()) {
            FunctionResponse r = client.invoke(FunctionRequest.post("/api/orders").body("{}").build());
            assertEquals("ne", r.region().name());
            assertEquals(List.of(AttemptOutcome.THROTTLED, AttemptOutcome.SUCCESS), outcomes(r.attempts()));
        }
    }

    @Test
    void postIsNotReplayedOnAFunction429() throws Exception {
        we.enqueue(new MockResponse.Builder().code(429).build());
        try (FunctionClient client = twoRegions()) {
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.post("/api/orders").body("{}").build()));
            assertEquals(429, e.statusCode());
            assertNoRequest(ne);
        }
    }

    @Test
    void everyRegionFailingListsEachRegionAndWhy() throws Exception {
        we.enqueue(status(503));
        try (FunctionClient client = builder().region(region("we", we)).region(refusedRegion("ne")).buildClient()) {
            // a region answered: FunctionCallException with its answer, not NoRegionAvailableException
            FunctionCallException e = callFails(
                () -> client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "1").build()));
            assertFalse(e instanceof NoRegionAvailableException, e.toString());
            assertEquals(503, e.statusCode());
            assertEquals("status 503", new String(e.responseBody(), java.nio.charset.StandardCharsets.UTF_8));
            String m = e.getMessage();
            assertTrue(m.contains("GET /api/orders/{id}"), m);
            assertTrue(m.contains("we: SERVER_ERROR 503"), m);
            assertTrue(m.contains("ne: CONNECT_FAILED"), m);
            assertEquals(2, e.attempts().size());
            assertEquals("ne", e.region());
        }
    }

    @Test
    void maxAttemptsBoundsTheCall() throws Exception {
        we.enqueue(status(503));
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne))
                .failover(FailoverOptions.builder().maxAttempts(1).build()).buildClient()) {
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.get("/api/x").build()));
            assertTrue(e.getMessage().contains("maxAttempts"), e.getMessage());
            assertNoRequest(ne);
        }
    }

    @Test
    void retryBudgetStopsRetriesWhenSpent() throws Exception {
        // ratio 0 and floor 0: the bucket holds its minimum of one retry and never refills
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne))
                .failover(FailoverOptions.builder().retryBudgetRatio(0).retryBudgetFloor(0).build()).buildClient()) {
            we.enqueue(status(503));
            ne.enqueue(ok("{}"));
            assertEquals("ne", client.invoke(FunctionRequest.get("/api/x").build()).region().name());
            we.enqueue(status(503));
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.get("/api/x").build()));
            assertTrue(e.getMessage().contains("retry budget"), e.getMessage());
            assertEquals(1, ne.getRequestCount());
        }
    }

    @Test
    void movingOnAfterAConnectFailureIsNotChargedToTheRetryBudget() throws Exception {
        // a budget of one retry that never refills: a refused region costs nothing, so every call still fails over
        try (FunctionClient client = builder().region(Fixtures.refusedRegion("we")).region(region("ne", ne))
                .failover(FailoverOptions.builder().retryBudgetRatio(0).retryBudgetFloor(0).build()).buildClient()) {
            for (int i = 0; i < 3; i++) {
                ne.enqueue(ok("{}"));
                assertEquals("ne", client.invoke(FunctionRequest.get("/api/x").build()).region().name());
            }
        }
    }

    @Test
    void retryBudgetTokenBucket() {
        long t0 = 0;
        RetryBudget b = new RetryBudget(0.5, 0, t0);
        // capacity is max(1, 100 calls * 0.5) = 50 tokens, starting full
        for (int i = 0; i < 50; i++) {
            assertTrue(b.tryWithdraw(t0), "token " + i);
        }
        assertFalse(b.tryWithdraw(t0));
        b.onCall();
        assertFalse(b.tryWithdraw(t0), "half a token is not enough");
        b.onCall();
        assertTrue(b.tryWithdraw(t0));
        assertFalse(b.tryWithdraw(t0));

        RetryBudget floor = new RetryBudget(0, 2, t0);
        while (floor.tryWithdraw(t0)) {
            // drain the 20 tokens of ten seconds of floor
        }
        assertFalse(floor.tryWithdraw(t0 + TimeUnit.MILLISECONDS.toNanos(400)));
        assertTrue(floor.tryWithdraw(t0 + TimeUnit.MILLISECONDS.toNanos(600)), "2 a second refill one token in 0.5 s");
        assertFalse(floor.tryWithdraw(t0 + TimeUnit.MILLISECONDS.toNanos(700)));
        // the balance is capped: a long quiet period does not save up a storm
        RetryBudget capped = new RetryBudget(0, 1, t0);
        capped.tryWithdraw(t0 + TimeUnit.HOURS.toNanos(1));
        assertTrue(capped.balance() <= 10.0, "capped at ten seconds of floor, was " + capped.balance());
    }

    @Test
    void hedgesLeaveTheLowerHalfOfTheBudgetToFailovers() {
        long t0 = 0;
        RetryBudget b = new RetryBudget(0.5, 0, t0); // 50 tokens, starting full
        int hedges = 0;
        while (b.tryWithdrawForHedge(t0)) {
            hedges++;
        }
        assertEquals(25, hedges, "hedges stop at the reserve, half the cap");
        for (int i = 0; i < 25; i++) {
            assertTrue(b.tryWithdraw(t0), "failover " + i + " still finds a token");
        }
        assertFalse(b.tryWithdraw(t0));
        b.onCall();
        b.onCall();
        assertFalse(b.tryWithdrawForHedge(t0), "a token below the reserve is not for a hedge");
        assertTrue(b.tryWithdraw(t0));

        RetryBudget one = new RetryBudget(0, 0, t0); // the smallest budget: one token, no reserve
        assertTrue(one.tryWithdrawForHedge(t0));
        assertFalse(one.tryWithdraw(t0));
    }

    @Test
    void responseLargerThanTheMaximumIsRefusedByContentLength() throws Exception {
        we.enqueue(ok("x".repeat(2000)));
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne)).maxResponseSize(1000)
                .buildClient()) {
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.get("/api/x").build()));
            assertNoRequest(ne); // another region would answer as much: not retried
            assertTrue(e.getMessage().contains("2000 bytes (Content-Length) exceeds the maximum of 1000"), e.getMessage());
            assertTrue(e.getMessage().contains("maxResponseSize"), e.getMessage());
        }
    }

    @Test
    void chunkedResponseLargerThanTheMaximumIsRefused() throws Exception {
        we.enqueue(new MockResponse.Builder().code(200).chunkedBody("y".repeat(5000), 256).build());
        we.enqueue(new MockResponse.Builder().code(200).chunkedBody("y".repeat(900), 256).build());
        try (FunctionClient client = builder().region(region("we", we)).maxResponseSize(1000).buildClient()) {
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.get("/api/x").build()));
            assertTrue(e.getMessage().contains("exceeds the maximum of 1000"), e.getMessage());
            assertEquals(900, client.invoke(FunctionRequest.get("/api/x").build()).bodyLength(), "under the limit passes");
        }
    }

    @Test
    void badJsonNamesStatusContentTypeAndFirstBytes() throws Exception {
        we.enqueue(new MockResponse.Builder().code(200).setHeader("Content-Type", "text/html")
            .body("<html><body>Sign in to your corporate proxy</body></html>").build());
        try (FunctionClient client = builder().region(region("we", we)).buildClient()) {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            FunctionCallException e = assertThrows(FunctionCallException.class, () -> r.bodyAs(Map.class));
            String m = e.getMessage();
            assertTrue(m.contains("status 200"), m);
            assertTrue(m.contains("text/html"), m);
            assertTrue(m.contains("<html><body>Sign in"), m);
            assertTrue(m.contains("'we'"), m);
            assertEquals(200, e.statusCode());
        }
    }

    @Test
    void noRegionLeftNamesEachSkippedRegion() throws Exception {
        RegionRouter router = new RegionRouter() {
            @Override
            public RoutePlan plan(FunctionRequest request) {
                return RoutePlan.builder().unavailable("we", "circuit open").unavailable("ne", "unhealthy by probe").build();
            }

            @Override
            public void onAttemptEnd(Region region, Attempt attempt) {
            }
        };
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne)).router(router)
                .buildClient()) {
            NoRegionAvailableException e = assertThrows(NoRegionAvailableException.class,
                () -> client.invoke(FunctionRequest.get("/api/x").build()));
            assertTrue(e.getMessage().contains("found no region to call"), e.getMessage());
            assertTrue(e.getMessage().contains("we: circuit open"), e.getMessage());
            assertTrue(e.getMessage().contains("ne: unhealthy by probe"), e.getMessage());
            assertEquals(Map.of("we", "circuit open", "ne", "unhealthy by probe"), e.unavailableRegions());
            assertEquals(0, e.attempts().size());
        }
    }

    @Test
    void listenerSeesTheCallAndAThrowingListenerDoesNotBreakIt() throws Exception {
        we.enqueue(status(503));
        ne.enqueue(ok("{}"));
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        CallListener recording = new CallListener() {
            @Override
            public void callStart(CallInfo call) {
                events.add("start");
            }

            @Override
            public void attemptEnd(CallInfo call, Region region, Attempt attempt) {
                events.add("attempt " + region.name() + " " + attempt.outcome());
            }

            @Override
            public void failover(CallInfo call, Region from, Region to, Attempt cause) {
                events.add("failover " + from.name() + ">" + to.name());
            }

            @Override
            public void callEnd(CallInfo call, FunctionResponse response) {
                events.add("end " + response.statusCode());
            }
        };
        CallListener throwing = new CallListener() {
            @Override
            public void callStart(CallInfo call) {
                throw new IllegalStateException("boom");
            }
        };
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne))
                .addListener(throwing).addListener(recording).buildClient()) {
            assertEquals(200, client.invoke(FunctionRequest.get("/api/x").build()).statusCode());
        }
        assertEquals(List.of("start", "attempt we SERVER_ERROR", "failover we>ne", "attempt ne SUCCESS", "end 200"), events);
    }

    @Test
    void timeoutsDefaults() {
        assertEquals(Duration.ofSeconds(3), TimeoutOptions.DEFAULT.connect());
        assertInstanceOf(IllegalArgumentException.class,
            assertThrows(IllegalArgumentException.class, () -> TimeoutOptions.builder().call(Duration.ZERO)));
    }
}
