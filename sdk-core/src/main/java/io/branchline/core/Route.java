package io.branchline.core;

import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Why a call went where it went: the router's plan (every region in order, each with its score and why it stood
 * there, and the regions left out with the reason) and, per attempt, why it was sent. Read it from
 * {@link FunctionResponse#route()} or {@link FunctionCallException#route()}; it is built only when read, from the
 * plan the call used (shared by every call until the router's state changes) and the call's attempts, so a call that
 * never reads it pays nothing for it.
 *
 * <p>Reasons are short, stable codes meant for dashboards and queries, each with a sentence for people:
 * <ul>
 * <li>regions tried: {@code nearest}, {@code ranked} (behind the nearest), {@code unmeasured}, {@code pinned},
 * {@code preferred} (by the request), {@code priority}, {@code weighted}, {@code ramping} (slow start after
 * recovery), {@code warming} (its instances are warming up: a small share of calls), {@code trial} (circuit due for
 * a trial), {@code failback-dwell} (recovered, waiting out the dwell),
 * {@code panic} (every region was out; tried anyway), {@code canary}, {@code in-order} (a router that keeps
 * configuration order);</li>
 * <li>regions left out: {@code breaker-open}, {@code unhealthy}, {@code throttled}, {@code excluded} (by the
 * request), {@code excluded-by-control}, {@code unavailable} (a router's own reason).</li>
 * </ul>
 * Each attempt was sent as {@code first}, {@code failover} (after the previous attempt failed, naming its outcome)
 * or {@code hedge} (after the hedge delay, naming it).
 *
 * <p>{@link #compact()} writes it on one line for telemetry, such as {@code we(nearest)>ne(failover:CONNECT_FAILED)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class Route {
    /**
     * One region of the plan, or one left out of it.
     *
     * @param region the region's name
     * @param score the distance that ranked it (the router's latency estimate), or {@code null} when not measured or
     *     not ranked by distance
     * @param reason a short code, such as {@code nearest}, {@code pinned} or {@code breaker-open}
     * @param detail the same for people, such as {@code nearest by 19 ms (12 ms; next northeurope 31 ms)}
     */
    public record Candidate(String region, Duration score, String reason, String detail) {
        /**
         * Validates the candidate.
         *
         * @param region the region
         * @param score the score or {@code null}
         * @param reason the reason code
         * @param detail the sentence
         */
        public Candidate {
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /**
     * One attempt and why it was sent.
     *
     * @param attempt the attempt
     * @param why {@code first}, {@code failover} or {@code hedge}
     * @param detail the same for people, such as {@code failover after CONNECT_FAILED in westeurope} or
     *     {@code hedge after 120 ms}
     */
    public record Step(Attempt attempt, String why, String detail) {
        /**
         * Validates the step.
         *
         * @param attempt the attempt
         * @param why the code
         * @param detail the sentence
         */
        public Step {
            Objects.requireNonNull(attempt, "attempt");
            Objects.requireNonNull(why, "why");
            Objects.requireNonNull(detail, "detail");
        }
    }

    private final List<Candidate> plan;
    private final List<Candidate> leftOut;
    private final List<Step> steps;
    private final boolean panic;
    private final boolean stale;
    private final long hedgeMillis;

    private Route(List<Candidate> plan, List<Candidate> leftOut, List<Step> steps, boolean panic, boolean stale,
        long hedgeMillis) {
        this.hedgeMillis = hedgeMillis;
        this.plan = plan;
        this.leftOut = leftOut;
        this.steps = steps;
        this.panic = panic;
        this.stale = stale;
    }

    /** Builds the route of a call from its plan and attempts; called only when someone reads it. */
    static Route of(RoutePlan plan, List<Attempt> attempts, boolean stale) {
        RoutePlan p = plan == null ? RoutePlan.empty() : plan;
        List<Candidate> in = new ArrayList<>(p.regions().size());
        for (int i = 0; i < p.regions().size(); i++) {
            String name = p.regions().get(i).name();
            Candidate c = p.explained().get(name);
            in.add(c != null ? c : new Candidate(name, null, "in-order", "position " + (i + 1) + " of the plan"));
        }
        List<Candidate> out = new ArrayList<>(p.unavailable().size());
        for (Map.Entry<String, String> e : p.unavailable().entrySet()) {
            Candidate c = p.explained().get(e.getKey());
            out.add(c != null ? c : new Candidate(e.getKey(), null, "unavailable", e.getValue()));
        }
        List<Step> steps = new ArrayList<>(attempts.size());
        long hedgeMs = p.hedgeDelay() == null ? 0 : p.hedgeDelay().toMillis();
        for (int i = 0; i < attempts.size(); i++) {
            Attempt a = attempts.get(i);
            if (i == 0) {
                steps.add(new Step(a, "first", "first: " + reasonOf(in, a.region())));
            } else if (a.hedged()) {
                steps.add(new Step(a, "hedge", "hedge after " + hedgeMs + " ms without an answer from "
                    + attempts.get(i - 1).region()));
            } else {
                Attempt before = previousFailure(attempts, i);
                steps.add(new Step(a, "failover", before == null ? "failover"
                    : "failover after " + before.outcome() + " in " + before.region()));
            }
        }
        return new Route(Collections.unmodifiableList(in), Collections.unmodifiableList(out),
            Collections.unmodifiableList(steps), p.isPanic(), stale, hedgeMs);
    }

    private static Attempt previousFailure(List<Attempt> attempts, int i) {
        for (int j = i - 1; j >= 0; j--) {
            if (attempts.get(j).outcome() != AttemptOutcome.SUCCESS) {
                return attempts.get(j);
            }
        }
        return null;
    }

    private static String reasonOf(List<Candidate> in, String region) {
        for (Candidate c : in) {
            if (c.region().equals(region)) {
                return c.detail();
            }
        }
        return "not in the plan";
    }

    private static String codeOf(List<Candidate> in, String region) {
        for (Candidate c : in) {
            if (c.region().equals(region)) {
                return c.reason();
            }
        }
        return "in-order";
    }

    /** @return the regions of the plan, best first, each with its score and why it stood there */
    public List<Candidate> plan() {
        return plan;
    }

    /** @return the regions left out of the plan, each with the reason */
    public List<Candidate> leftOut() {
        return leftOut;
    }

    /** @return every attempt, in the order they started, with why it was sent */
    public List<Step> steps() {
        return steps;
    }

    /** @return whether every region was out and the plan tried them anyway */
    public boolean isPanic() {
        return panic;
    }

    /** @return whether the answer was served from the stale-if-error cache because every attempt failed */
    public boolean isStale() {
        return stale;
    }

    /**
     * The route on one line, for telemetry and logs: each attempt as {@code region(why)}, joined by {@code >};
     * the first attempt's why is its plan reason, later ones {@code failover:<outcome before>} or
     * {@code hedge:<delay>ms}; {@code |stale} when the answer came from the stale-if-error cache; {@code -} when no
     * attempt was made. For example {@code we(nearest)>ne(failover:CONNECT_FAILED)}.
     *
     * @return the compact form
     */
    public String compact() {
        StringBuilder sb = new StringBuilder(32);
        List<Attempt> attempts = new ArrayList<>(steps.size());
        for (Step s : steps) {
            attempts.add(s.attempt());
        }
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            if (i > 0) {
                sb.append('>');
            }
            sb.append(s.attempt().region()).append('(');
            if (i == 0) {
                sb.append(codeOf(plan, s.attempt().region()));
            } else if (s.why().equals("hedge")) {
                sb.append("hedge:").append(hedgeMillis).append("ms");
            } else {
                Attempt before = previousFailure(attempts, i);
                sb.append("failover").append(before == null ? "" : ":" + before.outcome());
            }
            sb.append(')');
        }
        if (steps.isEmpty()) {
            sb.append('-');
        }
        if (stale) {
            sb.append("|stale");
        }
        return sb.toString();
    }

    /**
     * Several lines for people: the plan, the regions left out and each attempt with why it was sent.
     *
     * @return the description
     */
    public String describe() {
        StringBuilder sb = new StringBuilder("plan").append(panic ? " (panic: every region was out)" : "").append(':');
        for (Candidate c : plan) {
            sb.append("\n  ").append(c.region()).append(": ").append(c.detail());
        }
        for (Candidate c : leftOut) {
            sb.append("\n  ").append(c.region()).append(" left out: ").append(c.detail());
        }
        for (Step s : steps) {
            sb.append("\n  attempt ").append(s.attempt().number()).append(' ').append(s.attempt().region()).append(": ")
                .append(s.detail()).append(" -> ").append(s.attempt().outcome());
        }
        if (stale) {
            sb.append("\n  served stale from the stale-if-error cache");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return compact();
    }
}
