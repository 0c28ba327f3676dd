package io.branchline.routing;

import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.ProbeResult;
import io.branchline.core.models.RegionHealth;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Health probes: the quick first ranking, then one probe chain per region at the configured interval (jittered),
 * and what each result means for the region's health, breaker and distance.
 *
 * <p>First ranking: at start every region is probed in quick rounds (all regions at once, the next round as soon as
 * the last answer is in). The first round only opens connections: its round trips are not measured and its failures
 * (a cold process can miss a probe timeout) are not held against a region; the next rounds judge. The ranking is
 * settled when {@value #MIN_WARM_ROUNDS} measured rounds agree on the order with the round before, after
 * {@value #MAX_WARM_ROUNDS} measured rounds, or after {@value #WARM_UP_BUDGET_MILLIS} ms, whichever comes first;
 * then {@link #ready()} completes, hysteresis applies and the ranking may be saved.
 *
 * <p>Concurrency: one probe per region is on the wire at a time ({@link RegionState#probing}); results are applied
 * on the thread that delivers them, through {@link RouterState}'s rules. The warm-up advances from whichever probe
 * of a round answers last (an atomic count down).
 */
final class Prober {
    private static final ClientLogger LOGGER = new ClientLogger(Prober.class);
    static final int MIN_WARM_ROUNDS = 3;
    static final int MAX_WARM_ROUNDS = 5;
    static final long WARM_UP_BUDGET_MILLIS = 2_000;

    private final RouterState state;
    private final HealthProbeOptions probes;
    private BranchLinkMonitor link;
    private final Sinks.Empty<Void> ready = Sinks.empty();
    private volatile boolean closed;
    private volatile Consumer<ProbeResult> resultObserver;
    private long warmUpStartMillis;
    private int warmRounds;
    private int[] previousRank;

    Prober(RouterState state) {
        this.state = state;
        this.probes = state.cfg.probes;
    }

    void link(BranchLinkMonitor link) {
        this.link = link;
    }

    /** Starts the first ranking and then the probe chains; settles at once when nothing is probed here. */
    void start() {
        if (!probes.isEnabled() || !state.cfg.backgroundProbes) {
            settle();
            return;
        }
        warmUpStartMillis = state.clock.millis();
        warmUpRound(false);
    }

    /** Completes when the first ranking is settled (or the router closed first). */
    Mono<Void> ready() {
        return ready.asMono();
    }

    private void warmUpRound(boolean measured) {
        RegionState[] regions = state.regions;
        AtomicInteger pending = new AtomicInteger(regions.length);
        Runnable answered = () -> {
            if (pending.decrementAndGet() == 0) {
                warmUpRoundDone(measured);
            }
        };
        for (RegionState s : regions) {
            send(s, measured, answered);
        }
    }

    private void warmUpRoundDone(boolean measured) {
        if (closed) {
            settle();
            return;
        }
        int[] rank;
        state.lock.lock();
        try {
            state.rebuild();
            rank = state.snapshot.rank;
        } finally {
            state.lock.unlock();
        }
        if (measured) {
            warmRounds++;
        }
        boolean agreed = measured && Arrays.equals(rank, previousRank);
        previousRank = measured ? rank : null;
        boolean overBudget = state.clock.millis() - warmUpStartMillis >= WARM_UP_BUDGET_MILLIS;
        if (warmRounds >= MAX_WARM_ROUNDS || warmRounds >= MIN_WARM_ROUNDS && agreed || overBudget) {
            LOGGER.atVerbose().addKeyValue("rounds", warmRounds).addKeyValue("millis",
                state.clock.millis() - warmUpStartMillis).log("first ranking settled");
            settle();
            for (RegionState s : state.regions) {
                scheduleChain(s, nextProbeDelay(s));
            }
            return;
        }
        try {
            state.context.scheduler().execute(() -> warmUpRound(true));
        } catch (RuntimeException e) {
            settle(); // the client's scheduler is shut down: the client is closing
        }
    }

    private void settle() {
        if (!state.rankingSettled) {
            state.rankingSettled = true;
            state.dirty = true;
        }
        ready.tryEmitEmpty();
    }

    private void scheduleChain(RegionState s, long delayMillis) {
        if (closed) {
            return;
        }
        try {
            ScheduledFuture<?> task = state.context.scheduler().schedule(() -> runProbe(s, true), delayMillis,
                TimeUnit.MILLISECONDS);
            s.probeTask = task;
            if (closed) {
                // close() ran while this probe was being chained: it may not have seen this task, so cancel it here
                task.cancel(false);
            }
        } catch (RuntimeException e) {
            LOGGER.atVerbose().addKeyValue("region", s.name()).log("probe not scheduled: scheduler stopped");
        }
    }

    /**
     * The wait before this region's next probe: the unhealthy interval while the region is out (unhealthy by probe,
     * its circuit not closed) or its last probe failed, so that its return, or its fall, is confirmed within about
     * a second; otherwise the interval (which an operator's control may have changed since start).
     */
    long nextProbeDelay(RegionState s) {
        boolean out = s.health == RegionHealth.UNHEALTHY || !s.breaker.isClosed() || s.probeFailuresInRow > 0;
        HealthProbeOptions current = state.cfg.probes;
        Duration interval = out ? current.unhealthyInterval() : current.interval();
        return probeDelay(interval.toMillis(), probes.jitter(), link != null && link.isDown(),
            ThreadLocalRandom.current().nextDouble());
    }

    /** The wait before a region's next probe: the interval (at most 1 s while the link is down), ± the jitter. */
    static long probeDelay(long intervalMillis, double jitter, boolean linkDown, double uniform) {
        long base = linkDown ? Math.min(intervalMillis, BranchLinkMonitor.LINK_DOWN_PROBE_MILLIS) : intervalMillis;
        double factor = 1 + jitter * (2 * uniform - 1);
        return Math.max(1, Math.round(base * factor));
    }

    /** Probes every region now, outside the chains (the branch's link went down or came back). */
    void probeAllSoon() {
        if (!probes.isEnabled() || closed || !state.cfg.backgroundProbes) {
            return;
        }
        for (RegionState s : state.regions) {
            try {
                state.context.scheduler().execute(() -> runProbe(s, false));
            } catch (RuntimeException e) {
                return;
            }
        }
    }

    /**
     * Probes one region now, outside its chain, at most once a second: a hedge overtook a call there, and the probe
     * tells a region whose instances are warming up (its health answer is marked cold) from a slow one.
     */
    void probeSoon(RegionState s) {
        long now = state.clock.millis();
        long last = s.lastProbeSoonMillis;
        if (!probes.isEnabled() || closed || !state.cfg.backgroundProbes || now - last < PROBE_SOON_MILLIS
            || s.probing.get()) {
            return;
        }
        s.lastProbeSoonMillis = now;
        try {
            state.context.scheduler().execute(() -> runProbe(s, false));
        } catch (RuntimeException e) {
            // the client is closing
        }
    }

    /** Least time between two {@link #probeSoon} probes of one region: {@value} ms. */
    static final long PROBE_SOON_MILLIS = 1_000;

    private void runProbe(RegionState s, boolean chain) {
        if (closed) {
            return;
        }
        send(s, true, chain ? () -> scheduleChain(s, nextProbeDelay(s)) : () -> { });
    }

    /** One probe of one region, never overlapping the previous one; {@code then} runs when it is over. */
    private void send(RegionState s, boolean measured, Runnable then) {
        if (closed || !s.probing.compareAndSet(false, true)) {
            then.run();
            return;
        }
        try {
            long sentAt = System.nanoTime();
            state.context.probe(s.region, probes.method(), probes.path(), probes.headers(), probes.timeout())
                .subscribe(r -> {
                    s.probing.set(false);
                    apply(s, r, sentAt, measured);
                    then.run();
                }, e -> {
                    s.probing.set(false);
                    then.run();
                });
        } catch (RuntimeException e) {
            s.probing.set(false);
            then.run();
        }
    }

    /** Probes every region once, synchronously, and applies the results: tests drive probes with this. */
    void probeNow() {
        for (RegionState s : state.regions) {
            long sentAt = System.nanoTime();
            ProbeResult r = state.context.probe(s.region, probes.method(), probes.path(), probes.headers(),
                probes.timeout()).block(probes.timeout().plusSeconds(5));
            if (r != null) {
                apply(s, r, sentAt, true);
            }
        }
        state.dirty = true;
        state.maybeRebuild();
    }

    /** Lets a test see each probe result once it is applied. */
    void resultObserver(Consumer<ProbeResult> observer) {
        this.resultObserver = observer;
    }

    private void apply(RegionState s, ProbeResult r, long sentAtNanos, boolean measured) {
        if (closed) {
            return;
        }
        try {
            if (r.statusWithin(probes.expectedStatusLow(), probes.expectedStatusHigh())) {
                if (r.cold() && s.warming(state.clock.millis())) {
                    state.dirty = true;
                }
                passed(s, r.latency().toNanos(), sentAtNanos, measured);
            } else if (measured) {
                failed(s, r);
            }
        } catch (RuntimeException e) {
            LOGGER.atVerbose().addKeyValue("region", s.name()).log("probe result not applied", e);
        }
        state.dirty = true;
        state.maybeRebuild();
        Consumer<ProbeResult> observer = resultObserver;
        if (observer != null) {
            observer.accept(r);
        }
    }

    private void passed(RegionState s, long nanos, long sentAtNanos, boolean measured) {
        if (measured) {
            s.latency.recordProbe(nanos);
        }
        link.answered();
        int passes;
        synchronized (s) {
            s.probeFailuresInRow = 0;
            passes = ++s.probePassesInRow;
        }
        if (s.restoreOnNextSuccess) {
            state.restoreAfterLink(s, "probe passed after the branch's link came back");
            return;
        }
        if (s.health == RegionHealth.UNKNOWN) {
            state.setHealth(s, RegionHealth.HEALTHY, "probe passed");
        } else if (s.health == RegionHealth.UNHEALTHY && passes >= probes.healthyThreshold()) {
            state.setHealth(s, RegionHealth.HEALTHY, passes + " probes passed");
        }
        // Only probes sent after the circuit opened speak for the region's recovery; the failback dwell counts from
        // the first of them, not from when the last check agreed.
        if (s.breaker.sentSinceOpened(sentAtNanos) && s.firstPassAtMillis == Long.MIN_VALUE
            && (s.health == RegionHealth.UNHEALTHY || !s.breaker.isClosed())) {
            s.firstPassAtMillis = state.clock.millis();
        }
        s.breaker.probePassed(sentAtNanos, nanos, probes.healthyThreshold());
    }

    private void failed(RegionState s, ProbeResult r) {
        s.restoreOnNextSuccess = false;
        s.firstPassAtMillis = Long.MIN_VALUE;
        int failures;
        synchronized (s) {
            s.probePassesInRow = 0;
            failures = ++s.probeFailuresInRow;
        }
        if (r.outcome() == AttemptOutcome.CONNECT_FAILED) {
            link.connectFailed(s);
        }
        if (s.health != RegionHealth.UNHEALTHY && failures >= probes.unhealthyThreshold()) {
            String what = r.statusCode() > 0 ? "HTTP " + r.statusCode() : String.valueOf(r.outcome());
            state.setHealth(s, RegionHealth.UNHEALTHY, failures + " probes failed: " + what);
        }
        s.breaker.probeFailed(r.latency().toNanos());
    }

    /** Whether a probe chain is still scheduled. */
    boolean chainsScheduled() {
        for (RegionState s : state.regions) {
            ScheduledFuture<?> f = s.probeTask;
            if (f != null && !f.isDone()) {
                return true;
            }
        }
        return false;
    }

    void close() {
        closed = true;
        for (RegionState s : state.regions) {
            ScheduledFuture<?> f = s.probeTask;
            if (f != null) {
                f.cancel(false);
            }
        }
        ready.tryEmitEmpty();
    }
}
