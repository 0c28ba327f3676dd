package io.branchline.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The regions a call may use, best first, as a {@link RegionRouter} decided at the start of the call. Immutable
 * and cheap: routers build plans when their state changes and hand the same instance to every call until it
 * changes again.
 *
 * <p>Beside the ordered regions a plan says when to send a hedge ({@link #hedgeDelay()}), whether it was made in
 * panic (every region was out, so all are tried anyway), which regions were left out and why, and when the
 * earliest throttled region may be called again.
 */
public final class RoutePlan {
    private static final RoutePlan EMPTY = new RoutePlan(List.of(), null, false, Map.of(), null, 0, Map.of());
    private static final String EXCLUDED = "excluded by the request";

    private final List<Region> regions;
    private final Duration hedgeDelay;
    private final boolean panic;
    private final Map<String, String> unavailable;
    private final Instant retryAt;
    private final int maxAttempts;
    private final Map<String, Route.Candidate> explained;

    private RoutePlan(List<Region> regions, Duration hedgeDelay, boolean panic, Map<String, String> unavailable,
        Instant retryAt, int maxAttempts, Map<String, Route.Candidate> explained) {
        this.explained = explained;
        this.regions = regions;
        this.hedgeDelay = hedgeDelay;
        this.panic = panic;
        this.unavailable = unavailable;
        this.retryAt = retryAt;
        this.maxAttempts = maxAttempts;
    }

    /**
     * A plan trying the given regions in order, with no hedging.
     *
     * @param regions the regions, best first
     * @return the plan
     */
    public static RoutePlan of(List<Region> regions) {
        return builder().regions(regions).build();
    }

    /** @return a plan with no region to try */
    public static RoutePlan empty() {
        return EMPTY;
    }

    /**
     * Starts building a plan.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the regions to try, best first */
    public List<Region> regions() {
        return regions;
    }

    /** @return the delay after which an idempotent call sends a hedge to the next region, or {@code null} for none */
    public Duration hedgeDelay() {
        return hedgeDelay;
    }

    /** @return whether every region was out and the plan tries them anyway */
    public boolean isPanic() {
        return panic;
    }

    /** @return the regions left out of the plan, each with the reason */
    public Map<String, String> unavailable() {
        return unavailable;
    }

    /** @return when the earliest throttled region may be called again, or {@code null} when none is throttled */
    public Instant retryAt() {
        return retryAt;
    }

    /**
     * The most attempts a call on this plan may make, hedges included, when the router sets it (an operator's
     * run-time control); 0 when the client's {@code FailoverOptions.maxAttempts} applies.
     *
     * @return the limit, or 0
     */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * Why each region stood where it did, or was left out, by region name, as the router explained it with
     * {@link Builder#explain}; regions it did not explain are absent.
     *
     * @return the explanations, read by {@link Route}
     */
    public Map<String, Route.Candidate> explained() {
        return explained;
    }

    /**
     * This plan for a request that names preferred or excluded regions: the preferred regions first, in the
     * request's order, then the others in this plan's order; excluded regions are left out with the reason
     * "excluded by the request". Everything else (hedge delay, panic, retry instant) is kept. Every router applies
     * a request's preferences through this method.
     *
     * @param request the request
     * @return this plan when the request names no region, else a new plan
     */
    public RoutePlan forRequest(FunctionRequest request) {
        List<String> preferred = request.preferredRegions();
        Set<String> excluded = request.excludedRegions();
        if (preferred.isEmpty() && excluded.isEmpty()) {
            return this;
        }
        List<Region> out = new ArrayList<>(regions.size());
        for (String name : preferred) {
            for (Region r : regions) {
                if (r.name().equals(name) && !excluded.contains(name) && !out.contains(r)) {
                    out.add(r);
                }
            }
        }
        Map<String, Route.Candidate> why = new LinkedHashMap<>(explained);
        for (Region r : out) {
            why.put(r.name(), new Route.Candidate(r.name(), scoreOf(r.name()), "preferred", "preferred by the request"));
        }
        Map<String, String> left = new LinkedHashMap<>();
        unavailable.forEach((name, reason) -> left.put(name, excluded.contains(name) ? EXCLUDED : reason));
        for (Region r : regions) {
            if (excluded.contains(r.name())) {
                left.put(r.name(), EXCLUDED);
            } else if (!out.contains(r)) {
                out.add(r);
            }
        }
        for (String name : excluded) {
            if (left.containsKey(name)) {
                why.put(name, new Route.Candidate(name, scoreOf(name), "excluded", EXCLUDED));
            }
        }
        return new RoutePlan(List.copyOf(out), hedgeDelay, panic, Collections.unmodifiableMap(left), retryAt,
            maxAttempts, Collections.unmodifiableMap(why));
    }

    private Duration scoreOf(String region) {
        Route.Candidate c = explained.get(region);
        return c == null ? null : c.score();
    }

    /**
     * This plan with another hedge delay.
     *
     * @param delay the delay, or {@code null} for no hedging
     * @return a new plan
     */
    public RoutePlan withHedgeDelay(Duration delay) {
        return new RoutePlan(regions, delay, panic, unavailable, retryAt, maxAttempts, explained);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("RoutePlan{");
        for (int i = 0; i < regions.size(); i++) {
            sb.append(i == 0 ? "" : " > ").append(regions.get(i).name());
        }
        if (hedgeDelay != null) {
            sb.append(", hedge after ").append(hedgeDelay.toMillis()).append(" ms");
        }
        if (panic) {
            sb.append(", panic");
        }
        if (!unavailable.isEmpty()) {
            sb.append(", unavailable=").append(unavailable);
        }
        if (retryAt != null) {
            sb.append(", retryAt=").append(retryAt);
        }
        if (maxAttempts > 0) {
            sb.append(", maxAttempts=").append(maxAttempts);
        }
        return sb.append('}').toString();
    }

    /**
     * Builds a {@link RoutePlan}.
     */
    public static final class Builder {
        private List<Region> regions = List.of();
        private Duration hedgeDelay;
        private boolean panic;
        private final Map<String, String> unavailable = new LinkedHashMap<>();
        private Instant retryAt;
        private int maxAttempts;
        private final Map<String, Route.Candidate> explained = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Sets the regions to try, best first.
         *
         * @param regions the regions
         * @return this builder
         */
        public Builder regions(List<Region> regions) {
            this.regions = List.copyOf(regions);
            return this;
        }

        /**
         * Sets the hedge delay.
         *
         * @param delay the delay, or {@code null} for no hedging
         * @return this builder
         */
        public Builder hedgeDelay(Duration delay) {
            this.hedgeDelay = delay;
            return this;
        }

        /**
         * Marks the plan as made in panic.
         *
         * @param panic whether every region was out
         * @return this builder
         */
        public Builder panic(boolean panic) {
            this.panic = panic;
            return this;
        }

        /**
         * Records a region left out of the plan.
         *
         * @param region the region's name
         * @param reason why, such as {@code "circuit open until 12:00:03Z"}
         * @return this builder
         */
        public Builder unavailable(String region, String reason) {
            unavailable.put(Objects.requireNonNull(region, "region"), Objects.requireNonNull(reason, "reason"));
            return this;
        }

        /**
         * Sets when the earliest throttled region may be called again.
         *
         * @param retryAt the instant, or {@code null}
         * @return this builder
         */
        public Builder retryAt(Instant retryAt) {
            this.retryAt = retryAt;
            return this;
        }

        /**
         * Limits the attempts of calls on this plan, overriding the client's {@code FailoverOptions.maxAttempts}.
         *
         * @param maxAttempts from 1 to 10, or 0 for the client's own limit
         * @return this builder
         * @throws IllegalArgumentException when out of range
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 0 || maxAttempts > 10) {
                throw new IllegalArgumentException("maxAttempts must be from 1 to 10, or 0 for the client's own,"
                    + " was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Explains why a region stands where it does in the plan, or why it was left out, for
         * {@link FunctionResponse#route()}. Routers call it once per plan they build, never per call.
         *
         * @param region the region's name
         * @param score the distance that ranked it, or {@code null}
         * @param reason a short code such as {@code nearest}, {@code pinned} or {@code breaker-open} (see {@link Route})
         * @param detail the same for people, such as {@code nearest by 19 ms}
         * @return this builder
         */
        public Builder explain(String region, Duration score, String reason, String detail) {
            explained.put(Objects.requireNonNull(region, "region"), new Route.Candidate(region, score, reason, detail));
            return this;
        }

        /**
         * Builds the plan.
         *
         * @return the immutable plan
         */
        public RoutePlan build() {
            return new RoutePlan(regions, hedgeDelay, panic,
                unavailable.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(unavailable)), retryAt,
                maxAttempts,
                explained.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(explained)));
        }
    }
}
