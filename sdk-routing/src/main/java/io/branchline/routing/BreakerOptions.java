package io.branchline.routing;

import java.time.Duration;
import java.util.Objects;

/**
 * How each region's circuit breaker trips and recovers, tuned for branch traffic (a few calls a minute): it opens
 * after {@link #consecutiveFailures()} failures in a row, or when {@link #failureRate()} percent of the last
 * {@link #window()} calls failed (once at least {@link #minimumCalls()} were made), or when every call of the
 * window was slower than {@link #slowCallThreshold()}. It stays open for {@link #openTime()}, doubled on each trip
 * that follows a failed recovery, up to {@link #maxOpenTime()}, then lets {@link #halfOpenTrials()} trial calls or
 * probes decide. Only connect failures, timeouts, 5xx and I/O errors count: 4xx never do, and 429 throttles the
 * region instead. Immutable; start from {@link #DEFAULT} or {@link #builder()}.
 *
 * <p><strong>Example</strong></p>
 *
 * <!-- src_embed io.branchline.routing.BreakerOptions -->
 * <pre>
 * BreakerOptions breaker = BreakerOptions.builder&#40;&#41;
 *     .consecutiveFailures&#40;3&#41;               &#47;&#47; or ...
 *     .failureRate&#40;50&#41;.window&#40;10&#41;           &#47;&#47; ... half of the last 10 calls
 *     .openTime&#40;Duration.ofSeconds&#40;5&#41;&#41;      &#47;&#47; doubled on repeated trips ...
 *     .maxOpenTime&#40;Duration.ofMinutes&#40;2&#41;&#41;   &#47;&#47; ... up to 2 minutes
 *     .build&#40;&#41;;
 * NearestRegionRouter withBreaker = NearestRegionRouter.builder&#40;&#41;.breaker&#40;breaker&#41;.build&#40;&#41;;
 * </pre>
 * <!-- end io.branchline.routing.BreakerOptions -->
 */
public final class BreakerOptions {
    /** Default failures in a row that open the circuit: {@value}. */
    public static final int DEFAULT_CONSECUTIVE_FAILURES = 3;
    /** Default failure rate, in percent, that opens the circuit: {@value}. */
    public static final int DEFAULT_FAILURE_RATE = 50;
    /** Default number of recent calls the failure rate is computed over: {@value}. */
    public static final int DEFAULT_WINDOW = 10;
    /** Default calls needed in the window before the rate counts: {@value}. */
    public static final int DEFAULT_MINIMUM_CALLS = 5;
    /** Default duration beyond which a call is slow: 5 seconds. */
    public static final Duration DEFAULT_SLOW_CALL_THRESHOLD = Duration.ofSeconds(5);
    /** Default first open time: 5 seconds. */
    public static final Duration DEFAULT_OPEN_TIME = Duration.ofSeconds(5);
    /** Default longest open time: 2 minutes. */
    public static final Duration DEFAULT_MAX_OPEN_TIME = Duration.ofMinutes(2);
    /** Default trial calls or probes in the half-open state: {@value}. */
    public static final int DEFAULT_HALF_OPEN_TRIALS = 2;

    /** The defaults: 3 in a row or 50 % of 10 (5 at least), slow 5 s, open 5 s growing to 2 min, 2 trials. */
    public static final BreakerOptions DEFAULT = builder().build();

    private final int consecutiveFailures;
    private final int failureRate;
    private final int window;
    private final int minimumCalls;
    private final Duration slowCallThreshold;
    private final Duration openTime;
    private final Duration maxOpenTime;
    private final int halfOpenTrials;

    private BreakerOptions(Builder b) {
        this.consecutiveFailures = b.consecutiveFailures;
        this.failureRate = b.failureRate;
        this.window = b.window;
        this.minimumCalls = b.minimumCalls;
        this.slowCallThreshold = b.slowCallThreshold;
        this.openTime = b.openTime;
        this.maxOpenTime = b.maxOpenTime;
        this.halfOpenTrials = b.halfOpenTrials;
    }

    /**
     * Starts options from the defaults.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a builder holding these options.
     *
     * @return a builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.consecutiveFailures = consecutiveFailures;
        b.failureRate = failureRate;
        b.window = window;
        b.minimumCalls = minimumCalls;
        b.slowCallThreshold = slowCallThreshold;
        b.openTime = openTime;
        b.maxOpenTime = maxOpenTime;
        b.halfOpenTrials = halfOpenTrials;
        return b;
    }

    /** @return failures in a row that open the circuit */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** @return the failure rate, in percent, that opens the circuit */
    public int failureRate() {
        return failureRate;
    }

    /** @return the number of recent calls the rate is computed over */
    public int window() {
        return window;
    }

    /** @return the calls needed in the window before the rate counts */
    public int minimumCalls() {
        return minimumCalls;
    }

    /** @return the duration beyond which a call counts as slow */
    public Duration slowCallThreshold() {
        return slowCallThreshold;
    }

    /** @return the first open time */
    public Duration openTime() {
        return openTime;
    }

    /** @return the longest open time */
    public Duration maxOpenTime() {
        return maxOpenTime;
    }

    /** @return trial calls or probes in the half-open state */
    public int halfOpenTrials() {
        return halfOpenTrials;
    }

    @Override
    public String toString() {
        return "BreakerOptions{consecutiveFailures=" + consecutiveFailures + ", failureRate=" + failureRate
            + ", window=" + window + ", minimumCalls=" + minimumCalls + ", slowCallThreshold=" + slowCallThreshold
            + ", openTime=" + openTime + ", maxOpenTime=" + maxOpenTime + ", halfOpenTrials=" + halfOpenTrials + '}';
    }

    /**
     * Builds {@link BreakerOptions}. Not thread-safe.
     */
    public static final class Builder {
        private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
        private int failureRate = DEFAULT_FAILURE_RATE;
        private int window = DEFAULT_WINDOW;
        private int minimumCalls = DEFAULT_MINIMUM_CALLS;
        private Duration slowCallThreshold = DEFAULT_SLOW_CALL_THRESHOLD;
        private Duration openTime = DEFAULT_OPEN_TIME;
        private Duration maxOpenTime = DEFAULT_MAX_OPEN_TIME;
        private int halfOpenTrials = DEFAULT_HALF_OPEN_TRIALS;

        private Builder() {
        }

        /**
         * Sets the failures in a row that open the circuit; default {@value BreakerOptions#DEFAULT_CONSECUTIVE_FAILURES}.
         *
         * @param failures from 1 to 1000
         * @return this builder
         */
        public Builder consecutiveFailures(int failures) {
            this.consecutiveFailures = range(failures, 1, 1000, "consecutiveFailures");
            return this;
        }

        /**
         * Sets the failure rate that opens the circuit; default {@value BreakerOptions#DEFAULT_FAILURE_RATE} %.
         *
         * @param percent from 1 to 100
         * @return this builder
         */
        public Builder failureRate(int percent) {
            this.failureRate = range(percent, 1, 100, "failureRate");
            return this;
        }

        /**
         * Sets the number of recent calls the failure rate is computed over; default
         * {@value BreakerOptions#DEFAULT_WINDOW}.
         *
         * @param calls from 1 to 1000
         * @return this builder
         */
        public Builder window(int calls) {
            this.window = range(calls, 1, 1000, "window");
            return this;
        }

        /**
         * Sets the calls needed in the window before the rate counts; default
         * {@value BreakerOptions#DEFAULT_MINIMUM_CALLS}.
         *
         * @param calls from 1 to 1000
         * @return this builder
         */
        public Builder minimumCalls(int calls) {
            this.minimumCalls = range(calls, 1, 1000, "minimumCalls");
            return this;
        }

        /**
         * Sets the duration beyond which a call is slow; the circuit opens when every call of the window is slow.
         * Default 5 seconds.
         *
         * @param threshold a positive duration
         * @return this builder
         */
        public Builder slowCallThreshold(Duration threshold) {
            this.slowCallThreshold = positive(threshold, "slowCallThreshold");
            return this;
        }

        /**
         * Sets the first open time; it doubles on each trip after a failed recovery. Default 5 seconds.
         *
         * @param openTime a positive duration
         * @return this builder
         */
        public Builder openTime(Duration openTime) {
            this.openTime = positive(openTime, "openTime");
            return this;
        }

        /**
         * Sets the longest open time; default 2 minutes.
         *
         * @param maxOpenTime a positive duration, not below the open time
         * @return this builder
         */
        public Builder maxOpenTime(Duration maxOpenTime) {
            this.maxOpenTime = positive(maxOpenTime, "maxOpenTime");
            return this;
        }

        /**
         * Sets the trial calls or probes in the half-open state; default {@value BreakerOptions#DEFAULT_HALF_OPEN_TRIALS}.
         *
         * @param trials from 1 to 100
         * @return this builder
         */
        public Builder halfOpenTrials(int trials) {
            this.halfOpenTrials = range(trials, 1, 100, "halfOpenTrials");
            return this;
        }

        /**
         * Builds the options.
         *
         * @return immutable options
         * @throws IllegalStateException when the minimum calls exceed the window or the maximum open time is below
         *     the open time
         */
        public BreakerOptions build() {
            if (minimumCalls > window) {
                throw new IllegalStateException("minimumCalls (" + minimumCalls + ") must not exceed window (" + window + ")");
            }
            if (maxOpenTime.compareTo(openTime) < 0) {
                throw new IllegalStateException("maxOpenTime (" + maxOpenTime + ") must not be below openTime (" + openTime + ")");
            }
            return new BreakerOptions(this);
        }

        private static int range(int n, int low, int high, String name) {
            if (n < low || n > high) {
                throw new IllegalArgumentException(name + " must be from " + low + " to " + high + ", was " + n);
            }
            return n;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }
    }
}
