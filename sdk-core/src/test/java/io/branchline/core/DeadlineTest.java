package io.branchline.core;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.policy.HttpPipelinePolicy;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.TimeoutOptions;
import io.branchline.core.models.TlsOptions;
import io.branchline.testkit.ManualClock;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static io.branchline.core.Fixtures.assertNoRequest;
import static io.branchline.core.Fixtures.builder;
import static io.branchline.core.Fixtures.callFails;
import static io.branchline.core.Fixtures.ok;
import static io.branchline.core.Fixtures.region;
import static io.branchline.core.Fixtures.status;
import static io.branchline.core.Fixtures.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, point 1: a call ends by its deadline whatever fails inside, at each step of an attempt (key lookup,
 * token fetch, pipeline, router, listener, connect, TLS, headers, body). Time comes from a manual clock: the
 * deadline passes when the test moves the clock, never by waiting.
 */
class DeadlineTest {
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    /** Transport timeouts far beyond the deadline: only the client's clock can end these calls. */
    private static final TimeoutOptions LONG = TimeoutOptions.builder().connect(Duration.ofSeconds(60))
        .response(Duration.ofSeconds(60)).read(Duration.ofSeconds(60)).call(Duration.ofSeconds(120)).build();

    @StartStop
    final MockWebServer ne = new MockWebServer();

    @TempDir
    Path dir;

    final ManualClock clock = new ManualClock();
    final List<FunctionCallException> failedEvents = new CopyOnWriteArrayList<>();
    final CallListener events = new CallListener() {
        @Override
        public void callFailed(CallInfo call, FunctionCallException error) {
            failedEvents.add(error);
        }
    };

    private FunctionClientBuilder clientBuilder() {
        return builder().clock(clock).timeouts(LONG).addListener(events);
    }

    private static FunctionRequest get() {
        return FunctionRequest.get("/api/x").deadline(DEADLINE).build();
    }

    private static FunctionRequest post() {
        return FunctionRequest.post("/api/orders").body("{}").deadline(DEADLINE).build();
    }

    private static Region keyFails(String name, String url, Supplier<String> key) {
        return Region.builder(name, url).functionKey(key).build();
    }

    /**
     * Starts the call, waits until the fault is reached, checks the call is still running, moves the clock to the
     * deadline and expects the call to end with a FunctionCallException.
     */
    private FunctionCallException endsAtTheDeadline(FunctionAsyncClient client, FunctionRequest request,
        ThrowingRunnable faultReached) throws Exception {
        CompletableFuture<FunctionResponse> call = client.invoke(request).toFuture();
        faultReached.run();
        assertFalse(call.isDone(), "the call ended before its deadline: " + call);
        clock.advance(DEADLINE);
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(5, TimeUnit.SECONDS));
        FunctionCallException f = assertInstanceOf(FunctionCallException.class, e.getCause());
        assertEquals(1, failedEvents.size(), "one callFailed event");
        return f;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aKeyThatCannotBeReadOnTheFirstAttemptMovesEvenAPost() throws Exception {
        ne.enqueue(ok("{}"));
        Region we = keyFails("we", "http://127.0.0.1:" + Fixtures.closedPort(), () -> {
            throw new IllegalArgumentException("Function key file of region 'we' is empty");
        });
        try (FunctionClient client = clientBuilder().region(we).region(region("ne", ne)).buildClient()) {
            FunctionResponse r = client.invoke(post());
            assertEquals("ne", r.region().name());
            Attempt first = r.attempts().get(0);
            assertEquals(AttemptOutcome.NOT_SENT, first.outcome());
            assertTrue(first.error().contains("could not be prepared") && first.error().contains("is empty"),
                first.error());
            take(ne);
        }
    }

    @Test
    void aKeyThatCannotBeReadInTheOnlyRegionFailsTheCallWithAnEvent() {
        Region we = keyFails("we", "http://127.0.0.1:" + Fixtures.closedPort(), () -> {
            throw new IllegalStateException("no key");
        });
        try (FunctionClient client = clientBuilder().region(we).buildClient()) {
            FunctionCallException e = callFails(() -> client.invoke(get()));
            assertInstanceOf(NoRegionAvailableException.class, e);
            assertEquals(AttemptOutcome.NOT_SENT, e.attempts().get(0).outcome());
            assertEquals(1, failedEvents.size());
        }
    }

    @Test
    void aKeyThatCannotBeReadOnFailoverEndsTheCallAtOnce() throws Exception {
        try (MockWebServer we = new MockWebServer()) {
            we.start();
            we.enqueue(status(503));
            Region neKeyFails = keyFails("ne", ne.url("/").toString(), () -> {
                throw new IllegalArgumentException("empty key file");
            });
            try (FunctionClient client = clientBuilder().region(region("we", we)).region(neKeyFails).buildClient()) {
                FunctionCallException e = callFails(() -> client.invoke(get()));
                assertFalse(e instanceof NoRegionAvailableException, "a region answered 503");
                assertEquals(503, e.statusCode());
                assertEquals(List.of(AttemptOutcome.SERVER_ERROR, AttemptOutcome.NOT_SENT),
                    e.attempts().stream().map(Attempt::outcome).toList());
                assertNoRequest(ne);
            }
        }
    }

    @Test
    void aTokenThatCannotBeFetchedIsNotSentAndSaysSo() throws Exception {
        ne.useHttps(TlsTest.SERVER_CERTS.sslSocketFactory());
        Path pem = Files.writeString(dir.resolve("ca.pem"), TlsTest.CA.certificatePem());
        TokenCredential broken = r -> Mono.error(new IllegalStateException("managed identity endpoint unreachable"));
        try (FunctionClient client = clientBuilder().region(Region.of("ne", "https://localhost:" + ne.getPort()))
                .credential(broken).scope("api://orders/.default").tls(TlsOptions.builder().trustPem(pem).build())
                .buildClient()) {
            FunctionCallException e = callFails(() -> client.invoke(post()));
            assertInstanceOf(NoRegionAvailableException.class, e);
            assertEquals(AttemptOutcome.NOT_SENT, e.attempts().get(0).outcome());
            assertTrue(e.getMessage().contains("could not get an access token"), e.getMessage());
            assertNoRequest(ne);
        }
    }

    @Test
    void aTokenFetchThatHangsEndsAtTheDeadline() throws Exception {
        ne.useHttps(TlsTest.SERVER_CERTS.sslSocketFactory());
        Path pem = Files.writeString(dir.resolve("ca.pem"), TlsTest.CA.certificatePem());
        CountDownLatch asked = new CountDownLatch(1);
        TokenCredential hangs = r -> Mono.<AccessToken>never().doOnSubscribe(s -> asked.countDown());
        try (FunctionAsyncClient client = clientBuilder().region(Region.of("ne", "https://localhost:" + ne.getPort()))
                .credential(hangs).scope("api://orders/.default").tls(TlsOptions.builder().trustPem(pem).build())
                .buildAsyncClient()) {
            FunctionCallException e = endsAtTheDeadline(client, get(), () -> assertTrue(asked.await(5, TimeUnit.SECONDS)));
            assertEquals(AttemptOutcome.TIMEOUT, e.attempts().get(0).outcome());
        }
    }

    @Test
    void aPolicyThatThrowsEndsTheAttempt() throws Exception {
        HttpPipelinePolicy throwing = (ctx, next) -> {
            throw new IllegalStateException("policy bug");
        };
        try (FunctionClient client = clientBuilder().region(region("ne", ne)).addPolicy(throwing).buildClient()) {
            FunctionCallException e = callFails(() -> client.invoke(get()));
            assertTrue(e.getMessage().contains("policy bug"), e.getMessage());
            assertEquals(1, failedEvents.size());
        }
    }

    @Test
    void aPolicyThatHangsEndsAtTheDeadline() throws Exception {
        CountDownLatch reached = new CountDownLatch(1);
        HttpPipelinePolicy hangs = (ctx, next) -> Mono.never().doOnSubscribe(s -> reached.countDown()).then(Mono.empty());
        try (FunctionAsyncClient client = clientBuilder().region(region("ne", ne)).addPolicy(hangs).buildAsyncClient()) {
            FunctionCallException e = endsAtTheDeadline(client, get(), () -> assertTrue(reached.await(5, TimeUnit.SECONDS)));
            assertEquals(AttemptOutcome.TIMEOUT, e.attempts().get(0).outcome());
        }
    }

    @Test
    void aRouterThatThrowsFailsTheCallClearly() {
        RegionRouter broken = new RegionRouter() {
            @Override
            public RoutePlan plan(FunctionRequest request) {
                throw new IllegalStateException("router bug");
            }

            @Override
            public void onAttemptEnd(Region region, Attempt attempt) {
            }
        };
        try (FunctionClient client = clientBuilder().region(region("ne", ne)).router(broken).buildClient()) {
            FunctionCallException e = callFails(() -> client.invoke(get()));
            assertInstanceOf(NoRegionAvailableException.class, e);
            assertTrue(e.getMessage().contains("the router failed") && e.getMessage().contains("router bug"),
                e.getMessage());
            assertEquals(1, failedEvents.size());
        }
    }

    @Test
    void aRouterThatThrowsWhenToldTheOutcomeDoesNotHangTheCall() throws Exception {
        ne.enqueue(ok("{}"));
        AtomicInteger told = new AtomicInteger();
        RegionRouter broken = new RegionRouter() {
            private final RegionRouter inOrder = RegionRouter.inOrder();

            @Override
            public RoutePlan plan(FunctionRequest request) {
                return RoutePlan.of(List.of(Region.of("ne", ne.url("/").toString())));
            }

            @Override
            public boolean tryAcquire(Region region) {
                return inOrder.tryAcquire(region);
            }

            @Override
            public void onAttemptEnd(Region region, Attempt attempt) {
                told.incrementAndGet();
                throw new IllegalStateException("router bug");
            }
        };
        try (FunctionClient client = clientBuilder().region(region("ne", ne)).router(broken).buildClient()) {
            assertEquals(200, client.invoke(get()).statusCode());
            assertEquals(1, told.get());
        }
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheCall() throws Exception {
        ne.enqueue(ok("{}"));
        CallListener throwing = new CallListener() {
            @Override
            public void attemptStart(CallInfo call, Region region, int attemptNumber, boolean hedge) {
                throw new IllegalStateException("listener bug");
            }
        };
        try (FunctionClient client = clientBuilder().region(region("ne", ne)).addListener(throwing).buildClient()) {
            assertEquals(200, client.invoke(get()).statusCode());
        }
    }

    @Test
    void aServerThatAcceptsAndStaysSilentEndsAtTheDeadline() throws Exception {
        try (RawServer silent = new RawServer(RawServer.Fault.SILENT);
             FunctionAsyncClient client = clientBuilder().region(Region.of("we", silent.url("http"))).buildAsyncClient()) {
            FunctionCallException e = endsAtTheDeadline(client, get(), () -> silent.awaitAccepted(1));
            assertEquals(AttemptOutcome.TIMEOUT, e.attempts().get(0).outcome());
            assertTrue(e.getMessage().contains("No response headers within 5000 ms"), e.getMessage());
        }
    }

    @Test
    void aServerThatReadsTheRequestAndNeverAnswersEndsAtTheDeadline() throws Exception {
        try (RawServer mute = new RawServer(RawServer.Fault.NO_ANSWER);
             FunctionAsyncClient client = clientBuilder().region(Region.of("we", mute.url("http"))).buildAsyncClient()) {
            FunctionCallException e = endsAtTheDeadline(client, post(), () -> mute.awaitRequests(1));
            assertEquals(AttemptOutcome.TIMEOUT, e.attempts().get(0).outcome());
        }
    }

    @Test
    void aStalledBodyEndsAtTheDeadlineAndIsCalledAStalledBody() throws Exception {
        CountDownLatch headers = new CountDownLatch(1);
        HttpPipelinePolicy seesHeaders = (ctx, next) -> next.process().doOnNext(r -> headers.countDown());
        try (RawServer stall = new RawServer(RawServer.Fault.STALL_BODY);
             FunctionAsyncClient client = clientBuilder().region(Region.of("we", stall.url("http")))
                 .addPolicy(seesHeaders).buildAsyncClient()) {
            FunctionCallException e = endsAtTheDeadline(client, get(), () -> assertTrue(headers.await(5, TimeUnit.SECONDS)));
            assertEquals(AttemptOutcome.TIMEOUT, e.attempts().get(0).outcome());
            assertTrue(e.getMessage().contains("response body stalled"), e.getMessage());
            assertFalse(e.getMessage().contains("No response headers"), e.getMessage());
        }
    }

    @Test
    void aResetAfterTheRequestMovesAGetButNotAPost() throws Exception {
        ne.enqueue(ok("{}"));
        try (RawServer reset = new RawServer(RawServer.Fault.RESET_AFTER_REQUEST);
             FunctionClient client = clientBuilder().region(Region.of("we", reset.url("http"))).region(region("ne", ne))
                 .buildClient()) {
            FunctionResponse r = client.invoke(get());
            assertEquals("ne", r.region().name());
            assertEquals(AttemptOutcome.IO_ERROR, r.attempts().get(0).outcome());
            take(ne);
            FunctionCallException e = callFails(() -> client.invoke(post()));
            assertEquals(AttemptOutcome.IO_ERROR, e.attempts().get(0).outcome());
            assertEquals(1, e.attempts().size(), "a POST that may have arrived is not replayed");
            assertTrue(e.getMessage().contains("the server closed the connection")
                || e.getMessage().contains("reset"), e.getMessage());
            assertNoRequest(ne);
        }
    }

    @Test
    void theBlockingCallIsBoundedEvenWhenNothingInsideEndsIt() throws Exception {
        // the clock never moves, so the client's own timers never fire: only the blocking bound can end the wait
        try (RawServer silent = new RawServer(RawServer.Fault.NO_ANSWER);
             FunctionClient client = clientBuilder().region(Region.of("we", silent.url("http"))).buildClient()) {
            long start = System.nanoTime();
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.get("/api/x")
                .deadline(Duration.ofMillis(100)).build()));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(e.getMessage().contains("did not end within its deadline of 100 ms"), e.getMessage());
            assertTrue(ms >= 100 + FunctionClient.BLOCKING_MARGIN_MS - 50, "gave up after " + ms + " ms");
        }
    }
}
