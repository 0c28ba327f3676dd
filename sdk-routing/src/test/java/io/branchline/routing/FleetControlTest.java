package io.branchline.routing;

import com.azure.core.util.Configuration;
import io.branchline.core.CallListener;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.Region;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.ControlChange;
import io.branchline.core.models.RegionStatus;
import io.branchline.core.models.TimeoutOptions;
import io.branchline.testkit.Fault;
import io.branchline.testkit.RegionSimulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Run-time control from a control file on a real client and real HTTP: drains, pins, the hedging switch, a
 * malformed file, events and status, and a canary to a deployment slot. Polls are made by the test
 * ({@code manualProbes()} routers poll nothing by themselves), so nothing depends on timing.
 */
class FleetControlTest {
    @TempDir
    Path dir;
    private Fixture f;
    private final List<ControlChange> changes = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        if (f != null) {
            f.close();
        }
    }

    private ControlSource start() throws Exception {
        return start(new CountDownLatch(1));
    }

    /** A client on two regions with a control file; {@code sent} counts down at each attempt. */
    private ControlSource start(CountDownLatch sent) throws Exception {
        Path file = dir.resolve("control.properties");
        Files.writeString(file, "");
        ControlSource source = ControlSource.file(file);
        f = new Fixture(Fixture.regions("we", 5, "ne", 20)).start(Fixture.routerBuilder().control(source),
            Fixture.failover().build(), b -> b.timeouts(TimeoutOptions.builder().connect(Duration.ofSeconds(1))
                .response(Duration.ofSeconds(10)).call(Duration.ofSeconds(20)).build()).addListener(new CallListener() {
                @Override
                public void controlChanged(ControlChange change) {
                    changes.add(change);
                }

                @Override
                public void attemptStart(io.branchline.core.CallInfo call, Region region, int n, boolean hedge) {
                    sent.countDown();
                }
            }));
        f.router.probeNow();
        return source;
    }

    /** Writes the control file and polls it twice: a new content applies once two reads agree. */
    private void write(ControlSource source, String content) throws Exception {
        Files.writeString(dir.resolve("control.properties"), content);
        f.router.control().pollNow(source);
        f.router.control().pollNow(source);
    }

    @Test
    void aDrainedRegionGetsNoNewCallFromTheNextPlanWhileItsCallInFlightFinishes() throws Exception {
        CountDownLatch sent = new CountDownLatch(1);
        ControlSource source = start(sent);
        write(source, "");
        assertEquals("we", f.firstInPlan());
        f.region("we").latency(Duration.ofSeconds(3)); // the call below stays in flight while the drain applies
        CompletableFuture<FunctionResponse> inFlight = CompletableFuture.supplyAsync(
            () -> f.client.invoke(FunctionRequest.get("/api/orders").build()));
        assertTrue(sent.await(10, TimeUnit.SECONDS), "the call was sent");

        write(source, "exclude=we\n");

        assertFalse(inFlight.isDone(), "the call to we is still in flight when the drain applies");
        for (int i = 0; i < 5; i++) {
            assertEquals("ne", f.get().region().name());
        }
        FunctionResponse finished = inFlight.get(20, TimeUnit.SECONDS);
        assertEquals("we", finished.region().name(), "the call in flight finished where it was");
        assertEquals(1, f.region("we").requestCount("/api/orders"));
        assertEquals(5, f.region("ne").requestCount("/api/orders"));
    }

    @Test
    void aPinAndTheHedgeSwitchTakeEffectWithoutRestartAndAreUndone() throws Exception {
        ControlSource source = start();
        write(source, "");
        assertEquals("we", f.firstInPlan());
        assertTrue(f.router.plan(FunctionRequest.get("/x").build()).hedgeDelay() != null);

        write(source, "pin=ne\nhedge-reads=false\n");
        assertEquals("ne", f.firstInPlan());
        assertNull(f.router.plan(FunctionRequest.get("/x").build()).hedgeDelay());
        assertEquals("ne", f.get().region().name());

        write(source, "");
        assertEquals("we", f.firstInPlan());
        assertTrue(f.router.plan(FunctionRequest.get("/x").build()).hedgeDelay() != null);
    }

    @Test
    void aMalformedOrHalfWrittenFileKeepsTheLastGoodControl() throws Exception {
        ControlSource source = start();
        write(source, "exclude=we\n");
        assertEquals("ne", f.firstInPlan());

        write(source, "exclude=we\nmax-attempts=lots\n");
        assertEquals("ne", f.firstInPlan(), "a malformed file changes nothing");

        Files.writeString(dir.resolve("control.properties"), "exclude=n");
        f.router.control().pollNow(source); // read once: maybe half-written, not applied
        assertEquals("ne", f.firstInPlan());
        assertEquals(1, changes.size(), changes.toString());
    }

    @Test
    void aChangeIsOneEventNamingItsSourceAndShowsInRegionStatus() throws Exception {
        ControlSource source = start();
        write(source, "exclude=we\nconcurrency-limit.ne=7\n");
        write(source, "exclude=we\nconcurrency-limit.ne=7\n"); // unchanged: no second event

        assertEquals(1, changes.size());
        ControlChange c = changes.get(0);
        assertEquals("file " + dir.resolve("control.properties"), c.source());
        assertEquals("we", c.changes().get("exclude"));
        assertEquals("7", c.changes().get("concurrency-limit.ne"));
        assertEquals("", c.previous().get("exclude"));
        RegionStatus we = f.client.regionStatus().get(0);
        assertEquals("we", we.region());
        assertTrue(we.control().startsWith("excluded (drained) by file "), we.control());
        assertEquals(0.0, we.weight());
        assertEquals("concurrency limit 7", f.client.regionStatus().get(1).control());
    }

    @Test
    void aClientBuiltFromPropertiesWatchesItsControlFileByItself() throws Exception {
        try (RegionSimulator sim = RegionSimulator.builder().region("we", Duration.ZERO).region("ne", Duration.ZERO)
            .build()) {
            Path file = dir.resolve("control.json");
            Files.writeString(file, "{\"exclude\": [\"we\"], \"weight\": {\"ne\": 50}}");
            java.util.Properties p = new java.util.Properties();
            p.setProperty("branchline.regions", "we=" + sim.region("we").baseUrl() + ",ne=" + sim.region("ne").baseUrl());
            p.setProperty("branchline.allow-plain-http", "true");
            p.setProperty("branchline.routing.probe.enabled", "false");
            p.setProperty("branchline.control.file", file.toString());
            CountDownLatch applied = new CountDownLatch(1);
            try (FunctionClient client = FunctionClientBuilder.fromProperties(p).addListener(new CallListener() {
                @Override
                public void controlChanged(ControlChange change) {
                    applied.countDown();
                }
            }).buildClient()) {
                assertTrue(applied.await(30, TimeUnit.SECONDS), "the file was read in the background");
                assertEquals("ne", client.invoke(FunctionRequest.get("/api/orders").build()).region().name());
                assertTrue(client.regionStatus().get(0).control().startsWith("excluded (drained) by file "));
                assertEquals("weight 50", client.regionStatus().get(1).control());
            }
        }
    }

    @Test
    void aCanaryOfTenPercentSendsTenPercentOfCallsToTheSlotAndAFailingSlotCostsNoFailedIdempotentCall()
        throws Exception {
        try (RegionSimulator slots = RegionSimulator.builder().region("we-staging", Duration.ZERO).build()) {
            Path file = dir.resolve("control.properties");
            Files.writeString(file, "canary=10\n");
            ControlSource source = ControlSource.file(file);
            f = new Fixture(Fixture.regions("we", 0, "ne", 0));
            NearestRegionRouter router = Fixture.routerBuilder().control(source).build();
            f.router = router;
            try (FunctionClient client = new FunctionClientBuilder().configuration(Configuration.NONE)
                .allowPlainHttp(true).router(router).failover(Fixture.failover().build())
                .timeouts(TimeoutOptions.builder().call(Duration.ofSeconds(20)).build())
                .region(Region.builder("we", f.region("we").baseUrl())
                    .slot("staging", slots.region("we-staging").baseUrl()).slotFunctionKey("staging-key").build())
                .region(Region.of("ne", f.region("ne").baseUrl())).buildClient()) {
                router.control().pollNow(source);
                router.control().pollNow(source);
                int calls = 10_000;
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
                List<FunctionResponse> answers;
                try {
                    answers = Flux.range(0, calls).flatMap(i -> Mono.fromCallable(
                        () -> client.invoke(FunctionRequest.get("/api/orders").build()))
                        .subscribeOn(reactor.core.scheduler.Schedulers.fromExecutor(pool)), 16)
                        .collectList().block(Duration.ofMinutes(5));
                } finally {
                    pool.shutdown();
                }
                long toSlot = slots.region("we-staging").requestCount("/api/orders");
                assertEquals(calls, answers.size());
                assertTrue(toSlot >= 800 && toSlot <= 1200, toSlot + " of " + calls + " calls went to the slot");
                assertEquals(toSlot, answers.stream().filter(r -> r.region().isSlot()).count());
                assertEquals("staging-key", slots.region("we-staging").recordedRequests().get(0).header("x-functions-key"));

                slots.region("we-staging").fault(Fault.serverError(503));
                int failed = 0;
                for (int i = 0; i < 500; i++) {
                    try {
                        client.invoke(FunctionRequest.get("/api/orders").build());
                    } catch (RuntimeException e) {
                        failed++;
                    }
                }
                assertEquals(0, failed, "no idempotent call failed while the slot answered 503");
                RegionStatus we = client.regionStatus().get(0);
                assertEquals(BreakerState.CLOSED, we.breaker(), "the slot's failures never open production's breaker");
                assertTrue(we.control().contains("canary 10 % to slot staging"), we.control());
            }
        }
    }
}
