package io.branchline.samples.functionapp;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether this instance is still warming up, for the {@code x-branchline-cold-start} header Branchline reads: a new
 * instance (after a scale-out or a restart) answers its first calls slowly while the JVM loads classes, JIT-compiles
 * and fills its connection pools. While it is cold, every answer (and the health function's) carries the header, so
 * branches do not judge the region by those first answers: no breaker trip, no re-ranking, no larger hedge delay.
 *
 * <p>Cold means: fewer than {@value #WARM_AFTER_CALLS} function calls served by this instance, and less than
 * {@link #WARM_AFTER} since it started. Thread-safe.
 */
public final class Warmth {
    /** The header Branchline reads: {@value}. */
    public static final String HEADER = "x-branchline-cold-start";
    /** Calls after which an instance counts as warm: {@value}. */
    public static final int WARM_AFTER_CALLS = 20;
    /** Time after which an instance counts as warm whatever it served: 60 seconds. */
    public static final Duration WARM_AFTER = Duration.ofSeconds(60);
    private static final Warmth INSTANCE = new Warmth(Clock.systemUTC());

    private final Clock clock;
    private final Instant started;
    private final AtomicInteger calls = new AtomicInteger();

    Warmth(Clock clock) {
        this.clock = clock;
        this.started = clock.instant();
    }

    /** @return this instance's warmth, started when the class loaded (the instance's first function call) */
    public static Warmth instance() {
        return INSTANCE;
    }

    /** @return whether the instance is still cold, without counting a call */
    public boolean isCold() {
        return calls.get() < WARM_AFTER_CALLS && Duration.between(started, clock.instant()).compareTo(WARM_AFTER) < 0;
    }

    /** @return whether the call being answered comes from a cold instance; counts it */
    public boolean callServed() {
        boolean cold = isCold();
        calls.incrementAndGet();
        return cold;
    }
}
