package io.branchline.core.models;

import java.time.Duration;
import java.util.Objects;

/**
 * How a call moves between regions: attempts, the retry budget and hedging. Immutable; start from
 * {@link #DEFAULT} or {@link #builder()}.
 *
 * <p>The retry budget is a token bucket shared by every call of one client: each call adds
 * {@link #retryBudgetRatio()} of a token, each retry or hedge takes a whole one, and {@link #retryBudgetFloor()}
 * tokens a second are always available. Retries therefore stay a bounded fraction of calls, and an outage of
 * every region never multiplies the load on them.
 *
 * <p><strong>Example</strong></p>
 *
 * <!-- src_embed io.branchline.core.models.FailoverOptions -->
 * <pre>
 * builder.failover&#40;FailoverOptions.builder&#40;&#41;
 *     .maxAttempts&#40;2&#41;              &#47;&#47; one region more at most
 *     .retryBudgetRatio&#40;0.1&#41;       &#47;&#47; retries and hedges: 10 % of calls ...
 *     .retryBudgetFloor&#40;5&#41;         &#47;&#47; ... plus 5 a second
 *     .hedgeReads&#40;false&#41;
 *     .build&#40;&#41;&#41;;
 * </pre>
 * <!-- end io.branchline.core.models.FailoverOptions -->
 */
public final class FailoverOptions {
    /** Default most attempts of one call, hedges included: {@value}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Default retries and hedges allowed per call, as a fraction of calls: {@value}. */
    public static final double DEFAULT_RETRY_BUDGET_RATIO = 0.2;
    /** Default retries and hedges always allowed per second, whatever the call rate: {@value}. */
    public static final int DEFAULT_RETRY_BUDGET_FLOOR = 10;
    /** Default lower bound of the hedge delay: 20 milliseconds. */
    public static final Duration DEFAULT_HEDGE_FLOOR = Duration.ofMillis(20);
    /** Default upper bound of the hedge delay: 2 seconds. */
    public static final Duration DEFAULT_HEDGE_CEILING = Duration.ofSeconds(2);

    /** The defaults: 3 attempts, budget 20 % of calls plus 10 a second, hedging GET and HEAD. */
    public static final FailoverOptions DEFAULT = builder().build();

    private final int maxAttempts;
    private final double retryBudgetRatio;
    private final int retryBudgetFloor;
    private final boolean hedgeReads;
    private final Duration hedgeFloor;
    private final Duration hedgeCeiling;
    private final boolean waitWhenThrottled;

    private FailoverOptions(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.retryBudgetRatio = b.retryBudgetRatio;
        this.retryBudgetFloor = b.retryBudgetFloor;
        this.hedgeReads = b.hedgeReads;
        this.hedgeFloor = b.hedgeFloor;
        this.hedgeCeiling = b.hedgeCeiling;
        this.waitWhenThrottled = b.waitWhenThrottled;
    }

    /**
     * Starts new options from the defaults.
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
        b.maxAttempts = maxAttempts;
        b.retryBudgetRatio = retryBudgetRatio;
        b.retryBudgetFloor = retryBudgetFloor;
        b.hedgeReads = hedgeReads;
        b.hedgeFloor = hedgeFloor;
        b.hedgeCeiling = hedgeCeiling;
        b.waitWhenThrottled = waitWhenThrottled;
        return b;
    }

    /** @return the most attempts of one call, hedges included */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** @return retries and hedges allowed per call, as a fraction of calls */
    public double retryBudgetRatio() {
        return retryBudgetRatio;
    }

    /** @return retries and hedges always allowed per second */
    public int retryBudgetFloor() {
        return retryBudgetFloor;
    }

    /** @return whether GET and HEAD calls are hedged unless the request says otherwise */
    public boolean hedgeReads() {
        return hedgeReads;
    }

    /** @return the shortest hedge delay */
    public Duration hedgeFloor() {
        return hedgeFloor;
    }

    /** @return the longest hedge delay */
    public Duration hedgeCeiling() {
        return hedgeCeiling;
    }

    /** @return whether a call waits (within its deadline) when every region left asked it to back off */
    public boolean waitWhenThrottled() {
        return waitWhenThrottled;
    }

    @Override
    public String toString() {
        return "FailoverOptions{maxAttempts=" + maxAttempts + ", retryBudgetRatio=" + retryBudgetRatio
            + ", retryBudgetFloor=" + retryBudgetFloor + ", hedgeReads=" + hedgeReads + ", hedgeFloor=" + hedgeFloor
            + ", hedgeCeiling=" + hedgeCeiling + ", waitWhenThrottled=" + waitWhenThrottled + '}';
    }

    /**
     * Builds {@link FailoverOptions}.
     */
    public static final class Builder {
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private double retryBudgetRatio = DEFAULT_RETRY_BUDGET_RATIO;
        private int retryBudgetFloor = DEFAULT_RETRY_BUDGET_FLOOR;
        private boolean hedgeReads = true;
        private Duration hedgeFloor = DEFAULT_HEDGE_FLOOR;
        private Duration hedgeCeiling = DEFAULT_HEDGE_CEILING;
        private boolean waitWhenThrottled = true;

        private Builder() {
        }

        /**
         * Sets the most attempts of one call, hedges included; 1 turns failover off.
         *
         * @param maxAttempts from 1 to 10
         * @return this builder
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1 || maxAttempts > 10) {
                throw new IllegalArgumentException("maxAttempts must be from 1 to 10, was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Sets the retries and hedges allowed per call, as a fraction of calls.
         *
         * @param ratio from 0.0 to 1.0
         * @return this builder
         */
        public Builder retryBudgetRatio(double ratio) {
            if (!(ratio >= 0.0 && ratio <= 1.0)) {
                throw new IllegalArgumentException("retryBudgetRatio must be from 0.0 to 1.0, was " + ratio);
            }
            this.retryBudgetRatio = ratio;
            return this;
        }

        /**
         * Sets the retries and hedges always allowed per second.
         *
         * @param perSecond zero or more
         * @return this builder
         */
        public Builder retryBudgetFloor(int perSecond) {
            if (perSecond < 0) {
                throw new IllegalArgumentException("retryBudgetFloor must be zero or more, was " + perSecond);
            }
            this.retryBudgetFloor = perSecond;
            return this;
        }

        /**
         * Sets whether GET and HEAD calls are hedged by default (a request can override it).
         *
         * @param hedgeReads {@code true} to hedge reads
         * @return this builder
         */
        public Builder hedgeReads(boolean hedgeReads) {
            this.hedgeReads = hedgeReads;
            return this;
        }

        /**
         * Sets the bounds of the hedge delay the router derives from observed latency.
         *
         * @param floor the shortest delay, positive
         * @param ceiling the longest delay, not shorter than the floor
         * @return this builder
         */
        public Builder hedgeDelayBounds(Duration floor, Duration ceiling) {
            TimeoutOptions.Builder.positive(floor, "hedge floor");
            TimeoutOptions.Builder.positive(ceiling, "hedge ceiling");
            if (ceiling.compareTo(floor) < 0) {
                throw new IllegalArgumentException("hedge ceiling " + ceiling + " must not be below the floor " + floor);
            }
            this.hedgeFloor = floor;
            this.hedgeCeiling = ceiling;
            return this;
        }

        /**
         * Sets whether a call waits, within its deadline, when every region left asked it to back off (429 or
         * Retry-After), rather than failing at once.
         *
         * @param wait {@code true} to wait
         * @return this builder
         */
        public Builder waitWhenThrottled(boolean wait) {
            this.waitWhenThrottled = wait;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return immutable options
         */
        public FailoverOptions build() {
            Objects.requireNonNull(hedgeFloor);
            return new FailoverOptions(this);
        }
    }
}
