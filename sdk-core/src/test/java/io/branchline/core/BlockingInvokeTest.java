package io.branchline.core;

import io.branchline.core.models.AttemptOutcome;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.branchline.core.Fixtures.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The blocking client's own call path (no reactive bridge): what a legacy caller relies on when its thread is
 * interrupted, and when it calls from a thread that must never block.
 */
class BlockingInvokeTest {

    @Test
    void anInterruptedCallerGetsAClearErrorItsInterruptStatusAndTheCallEnds() throws Exception {
        try (RawServer silent = new RawServer(RawServer.Fault.NO_ANSWER)) {
            AtomicReference<FunctionCallException> seen = new AtomicReference<>();
            CountDownLatch ended = new CountDownLatch(1);
            FunctionClient client = builder().region(Region.of("we", silent.url("http")))
                .addListener(new CallListener() {
                    @Override
                    public void callFailed(CallInfo call, FunctionCallException error) {
                        seen.set(error);
                        ended.countDown();
                    }
                }).buildClient();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> interruptKept = new AtomicReference<>();
            Thread caller = new Thread(() -> {
                try {
                    client.invoke(FunctionRequest.get("/api/x").deadline(Duration.ofSeconds(60)).build());
                } catch (RuntimeException e) {
                    thrown.set(e);
                    interruptKept.set(Thread.currentThread().isInterrupted());
                }
            });
            caller.start();
            silent.awaitRequests(1);
            caller.interrupt();
            caller.join(TimeUnit.SECONDS.toMillis(5));
            FunctionCallException e = assertInstanceOf(FunctionCallException.class, thrown.get());
            assertTrue(e.getMessage().contains("the calling thread was interrupted"), e.getMessage());
            assertEquals(Boolean.TRUE, interruptKept.get(), "the interrupt status is kept for the caller's code");
            assertTrue(ended.await(5, TimeUnit.SECONDS), "listeners see the call end");
            assertNotNull(seen.get());
            assertEquals(AttemptOutcome.CANCELLED, seen.get().attempts().get(0).outcome());
            silent.awaitClosedByClient(1); // the attempt's connection is closed, not left to the 60 s deadline
            client.close();
        }
    }

    @Test
    void invokingFromANonBlockingThreadFailsAtOnceNamingTheAsyncClient() {
        FunctionClient client = builder().region(Fixtures.refusedRegion("we")).buildClient();
        try {
            CompletableFuture<Throwable> onParallel = Mono.fromCallable(() -> {
                try {
                    client.invoke(FunctionRequest.get("/api/x").build());
                    return (Throwable) null;
                } catch (RuntimeException e) {
                    return (Throwable) e;
                }
            }).subscribeOn(Schedulers.parallel()).toFuture();
            Throwable e = assertInstanceOf(IllegalStateException.class, onParallel.join());
            assertTrue(e.getMessage().contains("FunctionAsyncClient"), e.getMessage());
        } finally {
            client.close();
        }
    }

    @Test
    void aClosedClientRefusesBlockingCalls() {
        FunctionClient client = builder().region(Fixtures.refusedRegion("we")).buildClient();
        client.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> client.invoke(FunctionRequest.get("/api/x").build()));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
