package io.branchline.routing;

import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.RegionHealth;

import java.time.Duration;

/**
 * The call path's side of the router: admits each attempt (circuit, concurrency limit, panic) and learns from how it
 * ended (latency, breaker, throttling, health, the branch's link).
 *
 * <p>Concurrency: runs on callers' threads without a lock of its own; it touches only atomic or volatile region
 * state, resilience4j's thread-safe objects and {@code synchronized} region updates that are taken only when a
 * streak actually changes.
 */
final class AttemptFeedback {
    private static final ClientLogger LOGGER = new ClientLogger(AttemptFeedback.class);
    /** Longest throttle assumed for a 429 without Retry-After: 30 s (1 s doubling per throttle in a row). */
    static final long MAX_DEFAULT_THROTTLE_MILLIS = 30_000;

    private final RouterState state;
    private final BranchLinkMonitor link;
    /** Asked to probe a region a hedge overtook (is it warming up?). */
    private final java.util.function.Consumer<RegionState> overtaken;

    AttemptFeedback(RouterState state, BranchLinkMonitor link, java.util.function.Consumer<RegionState> overtaken) {
        this.state = state;
        this.link = link;
        this.overtaken = overtaken;
    }

    /** Admits an attempt to a region, or to a region's deployment slot (a canary); unknown regions are admitted. */
    boolean admit(io.branchline.core.Region region) {
        if (region.isSlot()) {
            RegionBreaker slot = state.slot(region.name());
            return slot == null || admitCanary(slot);
        }
        RegionState s = state.get(region.name());
        return s == null || admit(s);
    }

    /**
     * An attempt ended. An attempt to a deployment slot (a canary) feeds only the slot's own circuit: never the
     * production app's breaker, health or ranking.
     */
    void ended(io.branchline.core.Region region, Attempt attempt) {
        if (region.isSlot()) {
            RegionBreaker slot = state.slot(region.name());
            if (slot != null) {
                canaryEnded(slot, attempt);
            }
            return;
        }
        RegionState s = state.get(region.name());
        if (s != null) {
            attemptEnded(s, attempt);
        }
    }

    boolean admit(RegionState s) {
        RegionBreaker.Admission a = s.breaker.tryAcquire(state.cfg.panic && state.snapshot.panic);
        if (a == RegionBreaker.Admission.CIRCUIT_OPEN) {
            state.dirty = true;
            return false;
        }
        // The limit may change at run time (an operator's control): counted on the attempts in flight, exactly.
        Integer limit = state.cfg.limits.get(s.name());
        int n = s.inFlight.incrementAndGet();
        if (limit != null && n > limit) {
            s.inFlight.decrementAndGet();
            s.breaker.releasePermission(a == RegionBreaker.Admission.ADMITTED_IN_PANIC);
            return false;
        }
        if (a == RegionBreaker.Admission.ADMITTED_IN_PANIC) {
            s.panicAdmissions.incrementAndGet();
        }
        return true;
    }

    /** A canary attempt to a region's deployment slot: admitted while the slot's own circuit allows. */
    boolean admitCanary(RegionBreaker slot) {
        if (slot.tryAcquire(false) == RegionBreaker.Admission.ADMITTED) {
            return true;
        }
        state.dirty = true;
        return false;
    }

    /** A canary attempt ended: only the slot's circuit learns from it. */
    void canaryEnded(RegionBreaker slot, Attempt attempt) {
        long nanos = attempt.latency().toNanos();
        switch (attempt.outcome()) {
            case SUCCESS:
            case CLIENT_ERROR:
                slot.onSuccess(nanos, false);
                break;
            case THROTTLED:
            case CANCELLED:
            case REJECTED:
                slot.releasePermission(false);
                break;
            default:
                slot.onFailure(nanos, false);
                break;
        }
        state.maybeRebuild();
    }

    void attemptEnded(RegionState s, Attempt attempt) {
        s.inFlight.decrementAndGet();
        boolean inPanic = tookPanicAdmission(s);
        long nanos = attempt.latency().toNanos();
        AttemptOutcome o = attempt.outcome();
        try {
            if (attempt.cold() && s.warming(state.clock.millis())) {
                state.dirty = true;
            }
            switch (o) {
                case SUCCESS:
                case CLIENT_ERROR:
                    succeeded(s, nanos, inPanic, attempt.cold());
                    break;
                case THROTTLED:
                    s.breaker.releasePermission(inPanic);
                    throttle(s, attempt.retryAfter());
                    break;
                case CANCELLED:
                    s.breaker.releasePermission(inPanic);
                    if (!attempt.hedged() && !s.warmingAndHealthy(state.clock.millis())) {
                        s.latency.recordCensored(nanos);
                        state.checkPlans(s);
                        overtaken.accept(s);
                    }
                    break;
                case REJECTED:
                    s.breaker.releasePermission(inPanic);
                    break;
                default:
                    if (o == AttemptOutcome.SERVER_ERROR && attempt.retryAfter() != null) {
                        s.breaker.releasePermission(inPanic);
                        throttle(s, attempt.retryAfter());
                    } else if (o == AttemptOutcome.TIMEOUT && s.warmingAndHealthy(state.clock.millis())) {
                        // a cold instance slower than the response timeout, while probes pass: not the region's fault
                        s.breaker.releasePermission(inPanic);
                        LOGGER.atVerbose().addKeyValue("region", s.name())
                            .log("timeout while the region is warming up and its probes pass: not counted");
                    } else {
                        failed(s, o, nanos, inPanic);
                    }
                    break;
            }
        } catch (RuntimeException e) {
            LOGGER.atVerbose().addKeyValue("region", s.name()).log("router state update failed", e);
        }
        state.maybeRebuild();
    }

    /** Takes one of the region's panic admissions when it has any; read first, so a normal call writes nothing. */
    private static boolean tookPanicAdmission(RegionState s) {
        for (int n = s.panicAdmissions.get(); n > 0; n = s.panicAdmissions.get()) {
            if (s.panicAdmissions.compareAndSet(n, n - 1)) {
                return true;
            }
        }
        return false;
    }

    private void succeeded(RegionState s, long nanos, boolean inPanic, boolean cold) {
        if (s.throttlesInRow != 0) { // every successful call passes here: no lock unless needed
            synchronized (s) {
                s.throttlesInRow = 0;
            }
        }
        // An answer from a cold instance (marked, or slow while the region warms and its probes pass) says nothing
        // about the region's distance or health: it feeds neither the ranking, the hedge delay nor the slow-call rule.
        boolean discount = cold || s.warmingAndHealthy(state.clock.millis())
            && s.latency.hedgeNanos() > 0 && nanos > 2 * s.latency.hedgeNanos();
        if (!discount) {
            s.latency.record(nanos);
        }
        link.answered();
        if (s.restoreOnNextSuccess) {
            state.restoreAfterLink(s, "a call succeeded after the branch's link came back");
        } else {
            s.breaker.onSuccess(discount ? 0 : nanos, inPanic);
        }
        if (s.health == RegionHealth.UNKNOWN || !state.cfg.probing() && s.health == RegionHealth.UNHEALTHY) {
            state.setHealth(s, RegionHealth.HEALTHY, "a call succeeded");
        }
        state.checkPlans(s);
    }

    private void failed(RegionState s, AttemptOutcome o, long nanos, boolean inPanic) {
        s.restoreOnNextSuccess = false;
        s.breaker.onFailure(nanos, inPanic);
        if (o == AttemptOutcome.CONNECT_FAILED) {
            link.connectFailed(s);
        }
    }

    private void throttle(RegionState s, Duration retryAfter) {
        long now = state.clock.millis();
        long ms = retryAfter != null ? retryAfter.toMillis()
            : Math.min(MAX_DEFAULT_THROTTLE_MILLIS, 1000L << Math.min(s.throttlesInRow, 5));
        if (ms > 0 ? s.throttle(now + ms) : s.throttle(Long.MIN_VALUE)) {
            state.dirty = true;
        }
    }
}
