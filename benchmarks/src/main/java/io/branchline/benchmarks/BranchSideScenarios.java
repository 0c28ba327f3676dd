package io.branchline.benchmarks;

import io.branchline.benchmarks.Callers.Caller;
import io.branchline.core.CallInfo;
import io.branchline.core.CallListener;
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.Region;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionStatus;
import io.branchline.routing.NearestRegionRouter;
import io.branchline.testkit.Fault;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.SimulatedRegion;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;

import static io.branchline.benchmarks.ScenarioMain.MS;
import static io.branchline.benchmarks.ScenarioMain.S;
import static io.branchline.benchmarks.ScenarioMain.ms;
import static io.branchline.benchmarks.ScenarioMain.pct;

/**
 * The branch-side scenarios, Branchline only (the baselines have neither cold-start awareness nor a stale-if-error
 * cache): "cold", the nearest region's instances turn cold under load; "linkdown", the branch's link to every region
 * drops for 10 s while the application reads cached items.
 */
final class BranchSideScenarios {
    private BranchSideScenarios() {
    }

    /** Counts what the scenarios judge: breaker trips per region, link events, stale answers. */
    private static final class Events extends CallListener {
        final AtomicInteger nearTrips = new AtomicInteger();
        final AtomicInteger linkDown = new AtomicInteger();
        final AtomicInteger linkUp = new AtomicInteger();
        final AtomicInteger staleServed = new AtomicInteger();
        final AtomicLong linkUpAt = new AtomicLong(-1);

        @Override
        public void breakerStateChanged(Region region, BreakerState from, BreakerState to) {
            if (region != null && region.name().equals("near") && to == BreakerState.OPEN) {
                nearTrips.incrementAndGet();
            }
        }

        @Override
        public void branchLinkDown(String reason) {
            linkDown.incrementAndGet();
        }

        @Override
        public void branchLinkRestored(Duration downFor) {
            linkUp.incrementAndGet();
            linkUpAt.set(System.nanoTime());
        }

        @Override
        public void staleServed(CallInfo call, FunctionResponse stale, FunctionCallException error) {
            staleServed.incrementAndGet();
        }
    }

    private static Caller caller(FunctionClient client, List<SimulatedRegion> regions) {
        FunctionRequest request = FunctionRequest.get(Callers.PATH).build();
        return new Caller() {
            @Override
            public int call() {
                try {
                    return Callers.indexOf(regions, client.invoke(request).region().name());
                } catch (FunctionCallException e) {
                    return -1;
                }
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }

    /**
     * "cold": 3 regions at 5 / 20 / 60 ms, concurrency 8, every routing default; at 3 s the nearest's instances turn
     * cold (each connection's next 20 calls take 3 s more, marked {@code x-branchline-cold-start}, as the sample
     * function app marks them). Targets: 0 breaker trips of the nearest, 0 failed calls, p99 ≤ the nearest's hedge
     * delay + the second region's latency + 50 ms, and the ranking keeps the nearest first.
     */
    static void cold(ScenarioMain m) throws Exception {
        long coldAt = 3 * S;
        long dur = 15 * S;
        Events events = new Events();
        List<List<String>> rows = new ArrayList<>();
        try (RegionSimulator sim = ScenarioMain.regions(5, 20, 60)) {
            NearestRegionRouter router = Clients.router();
            FunctionClient client = Clients.branchline(sim.regions(), router, events);
            client.awaitReady(Duration.ofSeconds(5));
            try (Caller c = caller(client, sim.regions())) {
                ScenarioMain.warmUp(c, 8, 2 * S);
                AtomicBoolean rankKept = new AtomicBoolean(true);
                AtomicLong hedgeNanos = new AtomicLong();
                FunctionRequest preferNear = FunctionRequest.get(Callers.PATH).preferRegions("near").build();
                List<ScenarioMain.Action> actions = new ArrayList<>();
                actions.add(new ScenarioMain.Action(coldAt, () -> sim.region("near")
                    .fault(Fault.coldInstances(20, Duration.ofSeconds(3)))));
                for (long t = coldAt + S; t < dur; t += S) {
                    actions.add(new ScenarioMain.Action(t, () -> {
                        if (!nearestRanksFirst(client.regionStatus())) {
                            rankKept.set(false);
                        }
                        Duration h = router.plan(preferNear).hedgeDelay();
                        if (h != null) {
                            hedgeNanos.accumulateAndGet(h.toNanos(), Math::max);
                        }
                    }));
                }
                ScenarioMain.Run run = ScenarioMain.load(c, 8, dur, Long.MAX_VALUE, actions);
                LoadResult r = run.result;
                LongPredicate after = t -> t >= actions.get(0).at;
                long p99 = r.percentile(0.99, after);
                long target = hedgeNanos.get() + 20 * MS + 50 * MS;
                rows.add(List.of("branchline", Integer.toString(r.count(after)), Integer.toString(r.failed(after)),
                    ms(r.percentile(0.5, after)), ms(p99), ms(r.max(after)), ms(hedgeNanos.get()), pct(r.share(0)),
                    Integer.toString(events.nearTrips.get()), rankKept.get() ? "yes" : "no"));
                m.check("cold", events.nearTrips.get() == 0, events.nearTrips.get() + " breaker trips of the nearest"
                    + " (target 0)");
                m.check("cold", r.failed() == 0, r.failed() + " failed calls (target 0)");
                m.check("cold", p99 >= 0 && p99 <= target, "p99 after the cold start " + ms(p99) + " ms (target ≤"
                    + " hedge delay " + ms(hedgeNanos.get()) + " + 20 + 50 = " + ms(target) + " ms)");
                m.check("cold", rankKept.get(), "the ranking kept the nearest first in every sample (once a second)");
            }
        }
        m.table("cold", "cold: 3 regions at 5 / 20 / 60 ms, concurrency 8, the nearest's instances cold from 3 s"
                + " (next 20 calls per connection +3 s, marked), " + dur / S + " s",
            List.of("client", "calls after cold", "failed", "p50 ms", "p99 ms", "max ms", "nearest's hedge delay ms",
                "share on nearest", "breaker trips (nearest)", "ranking kept"), rows,
            "After a 2 s warm-up. Branchline only: the baselines have no cold-start signal. A warming region keeps its"
                + " rank and starts 10 % of calls (each hedged to the next region after the hedge delay); the cold"
                + " answers feed neither the ranking nor the hedge delay nor the slow-call rule.");
    }

    private static boolean nearestRanksFirst(List<RegionStatus> status) {
        Duration near = null;
        Duration best = null;
        for (RegionStatus s : status) {
            if (s.latency() == null) {
                continue;
            }
            if (s.region().equals("near")) {
                near = s.latency();
            }
            if (best == null || s.latency().compareTo(best) < 0) {
                best = s.latency();
            }
        }
        return near != null && near.equals(best);
    }

    /**
     * "linkdown": 3 regions, stale-if-error 5 min; the application reads 50 items once, then 4 threads read them in
     * a loop; from 5 s to 15 s every region is unreachable (the branch's link is down). Targets: 0 failed reads of
     * cached items, every answer during the outage marked stale (Age and Warning headers), and the link-down event
     * and its end reported once each.
     */
    static void linkDown(ScenarioMain m) throws Exception {
        long downAt = 5 * S;
        long upAt = downAt + 10 * S;
        long dur = upAt + 5 * S;
        int items = 50;
        Events events = new Events();
        List<List<String>> rows = new ArrayList<>();
        try (RegionSimulator sim = ScenarioMain.regions(5, 20, 60)) {
            FunctionClient client = Clients.branchline(sim.regions(), Clients.router(),
                b -> b.staleIfError(Duration.ofMinutes(5)), events);
            try (client) {
                client.awaitReady(Duration.ofSeconds(5));
                List<FunctionRequest> reads = new ArrayList<>();
                for (int i = 0; i < items; i++) {
                    reads.add(FunctionRequest.get("/api/catalog/{id}").pathParam("id", Integer.toString(i)).build());
                }
                for (FunctionRequest r : reads) {
                    client.invoke(r);
                }
                AtomicInteger fresh = new AtomicInteger();
                AtomicInteger stale = new AtomicInteger();
                AtomicInteger unmarkedDuringOutage = new AtomicInteger();
                AtomicInteger failed = new AtomicInteger();
                AtomicInteger staleWithoutHeaders = new AtomicInteger();
                AtomicLong downNanos = new AtomicLong(Long.MAX_VALUE);
                AtomicLong upNanos = new AtomicLong(Long.MAX_VALUE);
                long origin = System.nanoTime();
                int threads = 4;
                CountDownLatch done = new CountDownLatch(threads);
                for (int t = 0; t < threads; t++) {
                    int offset = t * (items / threads);
                    Thread reader = new Thread(() -> {
                        int i = offset;
                        while (System.nanoTime() - origin < dur) {
                            long start = System.nanoTime();
                            try {
                                FunctionResponse r = client.invoke(reads.get(i++ % items));
                                if (r.isStale()) {
                                    stale.incrementAndGet();
                                    if (r.header("Age") == null || r.header("Warning") == null
                                        || !r.header("Warning").startsWith("110")) {
                                        staleWithoutHeaders.incrementAndGet();
                                    }
                                } else {
                                    fresh.incrementAndGet();
                                    long down = downNanos.get();
                                    if (down != Long.MAX_VALUE && start > down + 100 * MS && start < upNanos.get()) {
                                        unmarkedDuringOutage.incrementAndGet();
                                    }
                                }
                            } catch (FunctionCallException e) {
                                failed.incrementAndGet();
                            }
                        }
                        done.countDown();
                    }, "linkdown-reader-" + t);
                    reader.setDaemon(true);
                    reader.start();
                }
                sleepUntil(origin + downAt);
                sim.branchLinkDown();
                downNanos.set(System.nanoTime());
                sleepUntil(origin + upAt);
                upNanos.set(System.nanoTime());
                sim.branchLinkUp();
                done.await();
                long restoredAfter = events.linkUpAt.get() < 0 ? -1 : events.linkUpAt.get() - upNanos.get();
                rows.add(List.of("branchline", Integer.toString(fresh.get() + stale.get() + failed.get()),
                    Integer.toString(failed.get()), Integer.toString(stale.get()), Integer.toString(fresh.get()),
                    Integer.toString(unmarkedDuringOutage.get() + staleWithoutHeaders.get()),
                    Integer.toString(events.linkDown.get()), Integer.toString(events.linkUp.get()),
                    restoredAfter < 0 ? "never" : ms(restoredAfter)));
                m.check("linkdown", failed.get() == 0, failed.get() + " failed reads of cached items (target 0)");
                m.check("linkdown", stale.get() > 0 && unmarkedDuringOutage.get() + staleWithoutHeaders.get() == 0,
                    stale.get() + " stale answers, " + (unmarkedDuringOutage.get() + staleWithoutHeaders.get())
                        + " not marked (target: every one marked with Age and Warning 110)");
                m.check("linkdown", events.linkDown.get() == 1 && events.linkUp.get() == 1, "link down reported "
                    + events.linkDown.get() + " time(s), its end " + events.linkUp.get() + " time(s) (target once each)");
            }
        }
        m.table("linkdown", "linkdown: 3 regions, stale-if-error 5 min, 4 threads reading 50 cached items in a loop,"
                + " every region unreachable from 5 s to 15 s, " + dur / S + " s",
            List.of("client", "reads", "failed", "stale", "fresh", "unmarked", "link-down events", "link-up events",
                "link up reported after ms"), rows,
            "Branchline only: without a stale-if-error cache every read during the outage fails. Link up reported"
                + " after: from the regions' return to the router's BranchLinkRestored event.");
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, left / 1_000_000));
        }
    }
}
