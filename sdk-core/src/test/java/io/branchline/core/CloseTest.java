package io.branchline.core;

import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static io.branchline.core.Fixtures.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, point 3: what close() does. In-flight calls fail at once with a "client closed" error and their
 * connections close; later calls are refused; no thread or timer outlives the clients; a failed build releases what
 * it started; many clients share one timer thread.
 */
class CloseTest {

    @Test
    void inFlightCallsFailAtOnceAndTheirConnectionsClose() throws Exception {
        try (RawServer silent = new RawServer(RawServer.Fault.NO_ANSWER)) {
            FunctionAsyncClient client = builder().region(Region.of("we", silent.url("http"))).buildAsyncClient();
            List<CompletableFuture<FunctionResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(client.invoke(FunctionRequest.get("/api/x").deadline(Duration.ofSeconds(60)).build()).toFuture());
            }
            silent.awaitRequests(20);
            client.close();
            for (CompletableFuture<FunctionResponse> call : calls) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(5, TimeUnit.SECONDS));
                FunctionCallException f = assertInstanceOf(FunctionCallException.class, e.getCause());
                assertTrue(f.getMessage().contains("the client was closed while the call was in flight"), f.getMessage());
                assertEquals(AttemptOutcome.CANCELLED, f.attempts().get(0).outcome());
            }
            silent.awaitClosedByClient(20);
            IllegalStateException after = assertThrows(IllegalStateException.class,
                () -> client.invoke(FunctionRequest.get("/api/x").build()).block());
            assertTrue(after.getMessage().contains("closed"), after.getMessage());
        }
    }

    @Test
    void aBlockingCallInFlightEndsWhenAnotherThreadCloses() throws Exception {
        try (RawServer silent = new RawServer(RawServer.Fault.NO_ANSWER)) {
            FunctionClient client = builder().region(Region.of("we", silent.url("http"))).buildClient();
            // a thread of its own: the common pool may have a single thread, busy with something else
            CompletableFuture<Throwable> caller = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    client.invoke(FunctionRequest.post("/api/orders").body("{}").deadline(Duration.ofSeconds(60)).build());
                    caller.complete(null);
                } catch (RuntimeException e) {
                    caller.complete(e);
                }
            });
            t.start();
            silent.awaitRequests(1);
            client.close();
            Throwable e = caller.get(RawServer.WAIT_SECONDS, TimeUnit.SECONDS);
            assertInstanceOf(FunctionCallException.class, e);
            assertTrue(e.getMessage().contains("client was closed"), e.getMessage());
        }
    }

    @Test
    void twoHundredClientsShareOneTimerThreadAndNoneOutlivesThem() throws Exception {
        int leasesBefore = SharedTimers.leases();
        List<FunctionClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                clients.add(builder().region(Fixtures.refusedRegion("we")).buildClient());
            }
            for (FunctionClient c : clients.subList(0, 5)) {
                assertThrows(FunctionCallException.class, () -> c.invoke(FunctionRequest.get("/api/x").build()));
            }
            Set<Thread> ours = branchlineThreads();
            assertTrue(ours.size() <= 2, "one timer and one scheduler thread for 200 clients, found " + names(ours));
        } finally {
            for (FunctionClient c : clients) {
                c.close();
            }
        }
        assertEquals(leasesBefore, SharedTimers.leases());
        if (leasesBefore == 0) {
            for (Thread t : branchlineThreads()) {
                t.join(5000);
                assertFalse(t.isAlive(), "thread " + t.getName() + " outlived every client");
            }
        }
    }

    @Test
    void aFailedBuildReleasesWhatItStarted() {
        int leasesBefore = SharedTimers.leases();
        AtomicBoolean routerClosed = new AtomicBoolean();
        RegionRouter failsToStart = new RegionRouter() {
            @Override
            public void start(RouterContext context) {
                throw new IllegalStateException("cannot start");
            }

            @Override
            public RoutePlan plan(FunctionRequest request) {
                return RoutePlan.empty();
            }

            @Override
            public void onAttemptEnd(Region region, Attempt attempt) {
            }

            @Override
            public void close() {
                routerClosed.set(true);
            }
        };
        assertThrows(IllegalStateException.class,
            () -> builder().region(Fixtures.refusedRegion("we")).router(failsToStart).buildClient());
        assertEquals(leasesBefore, SharedTimers.leases(), "the shared timers were released");
        assertTrue(routerClosed.get(), "the router was closed");
    }

    private static Set<Thread> branchlineThreads() {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("branchline-timer") || t.getName().startsWith("branchline-scheduler"))
            .collect(Collectors.toSet());
    }

    private static String names(Set<Thread> threads) {
        return threads.stream().map(Thread::getName).collect(Collectors.joining(", "));
    }
}
