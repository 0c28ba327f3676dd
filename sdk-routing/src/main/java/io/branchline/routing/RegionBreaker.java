package io.branchline.routing;

import io.branchline.core.models.BreakerState;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * One region's circuit breaker (or one deployment slot's): the only class that speaks resilience4j. The concurrency
 * limit, which an operator's control may change at run time, is counted on the region's attempts in flight
 * ({@code AttemptFeedback.admit}).
 *
 * <p>resilience4j does the failure-rate trip over a count-based window, the slow-call rule, the open time growing
 * exponentially to a cap, and the half-open trial permits. Four rules are written here because resilience4j has no
 * way to say them, each for branch traffic levels (a handful of calls a minute):
 * <ul>
 * <li><b>N failures in a row</b> open the circuit at once (Finagle's {@code consecutiveFailures}); a breaker has one
 * sliding window and it already holds the rate rule.</li>
 * <li><b>One failed trial</b> reopens a half-open circuit, instead of waiting for every trial to fail.</li>
 * <li><b>Passed probes close</b> an open circuit once as many passed in a row as the half-open state would ask of real
 * calls: probes are trials that risk no real request.</li>
 * <li><b>When the open time ends</b> is kept here, since resilience4j only tells on the next permission asked.</li>
 * </ul>
 * Attempts admitted in panic (every region was out) bypass the permission and count as trials.
 *
 * <p>Concurrency: the resilience4j objects are thread-safe; every other field is atomic or volatile. A transition is
 * reported once, by the thread that wins the compare-and-set on the last reported state.
 */
final class RegionBreaker {
    /** Receives each transition once. */
    interface Transitions {
        void changed(RegionBreaker breaker, BreakerState from, BreakerState to);
    }

    /** What {@link #tryAcquire} decided. */
    enum Admission { ADMITTED, ADMITTED_IN_PANIC, CIRCUIT_OPEN }

    private static final RegionFailure FAILURE = new RegionFailure();

    final String region;
    private final BreakerOptions options;
    private final Clock clock;
    private final Transitions transitions;
    private final CircuitBreaker breaker;
    private final AtomicReference<CircuitBreaker.State> reported = new AtomicReference<>(CircuitBreaker.State.CLOSED);
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    /** Probes sent after the circuit last opened that passed in a row. */
    private final AtomicInteger passesSinceOpen = new AtomicInteger();
    private volatile long lastOpenMillis;
    private volatile long openUntilMillis = Long.MIN_VALUE;
    /** {@link System#nanoTime()} when the circuit last opened. */
    private volatile long openedAtNanos = Long.MIN_VALUE;

    /**
     * @param fixedOpenTime while true, the open time stays at its base instead of growing (the branch's link is down)
     */
    RegionBreaker(String region, BreakerOptions options, Clock clock,
        BooleanSupplier fixedOpenTime, Transitions transitions) {
        this.region = region;
        this.options = options;
        this.clock = clock;
        this.transitions = transitions;
        IntervalFunction growing = IntervalFunction.ofExponentialBackoff(options.openTime(), 2.0, options.maxOpenTime());
        long base = options.openTime().toMillis();
        IntervalFunction openTime = attempt -> {
            long ms = fixedOpenTime.getAsBoolean() ? base : growing.apply(attempt);
            lastOpenMillis = ms;
            return ms;
        };
        this.breaker = CircuitBreaker.of(region, CircuitBreakerConfig.custom()
            .slidingWindow(options.window(), options.minimumCalls(), CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(options.failureRate())
            .slowCallDurationThreshold(options.slowCallThreshold())
            .slowCallRateThreshold(100)
            .permittedNumberOfCallsInHalfOpenState(options.halfOpenTrials())
            .waitIntervalFunctionInOpenState(openTime)
            .automaticTransitionFromOpenToHalfOpenEnabled(false)
            .clock(clock)
            .build());
        // No event consumer: with one, resilience4j builds an event object for every call. Transitions are found by
        // comparing the state after each interaction instead.
    }

    /** Asks to send an attempt now; in panic an open circuit admits it anyway. */
    Admission tryAcquire(boolean panic) {
        boolean permitted = breaker.tryAcquirePermission();
        reportTransition();
        if (!permitted && !panic) {
            return Admission.CIRCUIT_OPEN;
        }
        return permitted ? Admission.ADMITTED : Admission.ADMITTED_IN_PANIC;
    }

    /** An attempt ended without saying anything about the region's health (throttled, cancelled, rejected). */
    void releasePermission(boolean inPanic) {
        if (!inPanic) {
            breaker.releasePermission();
        }
    }

    void onSuccess(long nanos, boolean inPanic) {
        if (consecutiveFailures.get() != 0) { // read first: no shared write on every successful call
            consecutiveFailures.set(0);
        }
        CircuitBreaker.State st = breaker.getState();
        if (inPanic && st != CircuitBreaker.State.CLOSED) {
            // A panic attempt succeeded: count it as a trial.
            if (st == CircuitBreaker.State.OPEN) {
                transition(CircuitBreaker.State.HALF_OPEN);
            }
            breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
        } else if (!inPanic) {
            breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
        }
        reportTransition();
    }

    void onFailure(long nanos, boolean inPanic) {
        if (!inPanic) {
            breaker.onError(nanos, TimeUnit.NANOSECONDS, FAILURE);
            reportTransition();
        }
        int n = consecutiveFailures.incrementAndGet();
        if (n >= options.consecutiveFailures() && breaker.getState() == CircuitBreaker.State.CLOSED) {
            transition(CircuitBreaker.State.OPEN);
        } else if (!inPanic) {
            reopenIfHalfOpen();
        }
    }

    /** Whether a probe sent then speaks for the region's recovery: it left after the circuit last opened. */
    boolean sentSinceOpened(long sentAtNanos) {
        return sentAtNanos >= openedAtNanos;
    }

    /** A probe passed: enough in a row since the circuit opened close it; while not closed it counts as a trial. */
    void probePassed(long sentAtNanos, long nanos, int healthyThreshold) {
        boolean fresh = sentSinceOpened(sentAtNanos);
        int sinceOpen = fresh ? passesSinceOpen.incrementAndGet() : passesSinceOpen.get();
        if (sinceOpen >= Math.max(healthyThreshold, options.halfOpenTrials()) && !isClosed()) {
            transition(CircuitBreaker.State.CLOSED);
        }
        trial(true, nanos);
    }

    void probeFailed(long nanos) {
        passesSinceOpen.set(0);
        trial(false, nanos);
    }

    /** A probe of a region whose circuit is open or half-open counts as a trial call. */
    private void trial(boolean ok, long nanos) {
        if (!isClosed() && breaker.tryAcquirePermission()) {
            reportTransition();
            if (ok) {
                breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
                reportTransition();
            } else {
                breaker.onError(nanos, TimeUnit.NANOSECONDS, FAILURE);
                reportTransition();
                reopenIfHalfOpen();
            }
        }
    }

    private void reopenIfHalfOpen() {
        if (breaker.getState() == CircuitBreaker.State.HALF_OPEN) {
            transition(CircuitBreaker.State.OPEN);
        }
    }

    /** Closes the circuit at once (the branch's link came back: the region was never at fault). */
    void reset() {
        consecutiveFailures.set(0);
        if (!isClosed()) {
            transition(CircuitBreaker.State.CLOSED);
        }
    }

    /** Opens the circuit (the region was down when last seen and there are no probes to say otherwise). */
    void open() {
        transition(CircuitBreaker.State.OPEN);
    }

    private void transition(CircuitBreaker.State to) {
        try {
            if (to == CircuitBreaker.State.OPEN) {
                breaker.transitionToOpenState();
            } else if (to == CircuitBreaker.State.HALF_OPEN) {
                breaker.transitionToHalfOpenState();
            } else {
                breaker.transitionToClosedState();
            }
        } catch (RuntimeException e) {
            // a concurrent transition won; the breaker is in a valid state either way
        }
        reportTransition();
    }

    private void reportTransition() {
        CircuitBreaker.State now = breaker.getState();
        CircuitBreaker.State seen = reported.get();
        while (now != seen) {
            if (reported.compareAndSet(seen, now)) {
                if (now == CircuitBreaker.State.OPEN) {
                    openUntilMillis = clock.millis() + lastOpenMillis;
                    openedAtNanos = System.nanoTime();
                    passesSinceOpen.set(0);
                }
                transitions.changed(this, map(seen), map(now));
                return;
            }
            seen = reported.get();
            now = breaker.getState();
        }
    }

    BreakerState state() {
        return map(breaker.getState());
    }

    boolean isClosed() {
        return breaker.getState() == CircuitBreaker.State.CLOSED;
    }

    /** @return when the current open time ends (meaningful while {@link #state()} is OPEN) */
    long openUntilMillis() {
        return openUntilMillis;
    }

    /** @return the length of the last open time */
    long lastOpenMillis() {
        return lastOpenMillis;
    }

    private static BreakerState map(CircuitBreaker.State st) {
        switch (st) {
            case CLOSED:
                return BreakerState.CLOSED;
            case OPEN:
            case FORCED_OPEN:
                return BreakerState.OPEN;
            case HALF_OPEN:
                return BreakerState.HALF_OPEN;
            default:
                return BreakerState.NONE;
        }
    }

    /** The failure recorded by the breakers; carries no stack trace. */
    static final class RegionFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RegionFailure() {
            super("region failure", null, false, false);
        }
    }
}
