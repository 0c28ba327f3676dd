package io.branchline.core;

import io.branchline.core.models.Attempt;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Receives the events of calls and regions: extend it and override what you need (every method does nothing by
 * default). Telemetry, metrics and dashboards are listeners.
 *
 * <p>Contract: methods are called on the threads that do the work (I/O threads, the router's scheduler), so they
 * must be fast and must not block. A listener that throws is logged once and otherwise ignored: it never breaks a
 * call. A call cancelled by its caller ends with {@code callFailed}. Events of one call come in order: {@code callStart}, then for each attempt {@code attemptStart} and
 * {@code attemptEnd} (with {@code failover} or {@code hedge} between attempts), then {@code callEnd} or
 * {@code callFailed}. Region events ({@code breakerStateChanged}, {@code regionHealthChanged}) come from the router.
 *
 * <p><strong>Counting failovers per region</strong></p>
 *
 * <!-- src_embed io.branchline.core.CallListener -->
 * <pre>
 * ConcurrentMap&lt;String, LongAdder&gt; failoversFrom = new ConcurrentHashMap&lt;&gt;&#40;&#41;;
 * CallListener failovers = new CallListener&#40;&#41; &#123;
 *     &#64;Override
 *     public void failover&#40;CallInfo call, Region from, Region to, Attempt cause&#41; &#123;
 *         &#47;&#47; Called on an I&#47;O thread: count, never block.
 *         failoversFrom.computeIfAbsent&#40;from.name&#40;&#41;, name -&gt; new LongAdder&#40;&#41;&#41;.increment&#40;&#41;;
 *     &#125;
 * &#125;;
 * FunctionClient client = builder.addListener&#40;failovers&#41;.buildClient&#40;&#41;;
 * </pre>
 * <!-- end io.branchline.core.CallListener -->
 */
public abstract class CallListener {
    /** A listener that does nothing; the client pays nothing for it. */
    public static final CallListener NONE = new CallListener() {
        @Override
        public String toString() {
            return "CallListener.NONE";
        }
    };

    /** Constructor for subclasses. */
    protected CallListener() {
    }

    /**
     * A call starts.
     *
     * @param call the call
     */
    public void callStart(CallInfo call) {
    }

    /**
     * An attempt is sent to a region.
     *
     * @param call the call
     * @param region the region
     * @param attemptNumber the attempt's number, starting at 1
     * @param hedge whether it is a hedge sent while an earlier attempt is in flight
     */
    public void attemptStart(CallInfo call, Region region, int attemptNumber, boolean hedge) {
    }

    /**
     * An attempt ended.
     *
     * @param call the call
     * @param region the region
     * @param attempt how it ended
     */
    public void attemptEnd(CallInfo call, Region region, Attempt attempt) {
    }

    /**
     * The call moves on to another region after a failed attempt.
     *
     * @param call the call
     * @param from the region that failed
     * @param to the region tried next
     * @param cause the failed attempt
     */
    public void failover(CallInfo call, Region from, Region to, Attempt cause) {
    }

    /**
     * A hedge is sent to a second region because the first has not answered within the hedge delay.
     *
     * @param call the call
     * @param primary the region still in flight
     * @param hedge the region the hedge goes to
     */
    public void hedge(CallInfo call, Region primary, Region hedge) {
    }

    /**
     * The call succeeded.
     *
     * @param call the call
     * @param response the response
     */
    public void callEnd(CallInfo call, FunctionResponse response) {
    }

    /**
     * The call failed.
     *
     * @param call the call
     * @param error the error the caller receives
     */
    public void callFailed(CallInfo call, FunctionCallException error) {
    }

    /**
     * Every region failed and the call was answered from the stale-if-error cache instead; {@code callEnd} follows
     * with the same stale response. The failure is here so that it stays visible.
     *
     * @param call the call
     * @param stale the stale answer the caller receives ({@link FunctionResponse#isStale()})
     * @param error the failure the caller would have received without the cache
     */
    public void staleServed(CallInfo call, FunctionResponse stale, FunctionCallException error) {
    }

    /**
     * The router concluded that the branch's own link to Azure is down (every region refused connections within a
     * short window), not the regions: it keeps their open times short and probes them often. Reported once per
     * outage, from the router's threads.
     *
     * @param reason why, such as {@code every region refused connections within 5000 ms}
     */
    public void branchLinkDown(String reason) {
    }

    /**
     * The branch's link is back (a region answered again after {@link #branchLinkDown}). Reported once per outage.
     *
     * @param downFor how long the link was down, by the client's clock
     */
    public void branchLinkRestored(java.time.Duration downFor) {
    }

    /**
     * A region's circuit breaker changed state.
     *
     * @param region the region
     * @param from the old state
     * @param to the new state
     */
    public void breakerStateChanged(Region region, BreakerState from, BreakerState to) {
    }

    /**
     * The router's belief about a region's health changed.
     *
     * @param region the region
     * @param from the old health
     * @param to the new health
     * @param reason why, such as {@code "3 probes failed: CONNECT_FAILED"}
     */
    public void regionHealthChanged(Region region, RegionHealth from, RegionHealth to, String reason) {
    }

    /**
     * A health probe sent by the router through the client's transport ended.
     *
     * @param region the probed region
     * @param result how it ended
     */
    public void probeCompleted(Region region, io.branchline.core.models.ProbeResult result) {
    }

    /**
     * An operator changed the run-time control (drained or pinned a region, turned hedging off, started a canary):
     * it applies from the next route plan on; calls in flight keep theirs.
     *
     * @param change what changed, when and from where
     */
    public void controlChanged(io.branchline.core.models.ControlChange change) {
    }

    /**
     * Combines listeners into one that calls each in order, each guarded so that one failing never stops the
     * others or the call.
     *
     * @param listeners the listeners
     * @return one listener, {@link #NONE} when none is given
     */
    public static CallListener compose(List<? extends CallListener> listeners) {
        Objects.requireNonNull(listeners, "listeners");
        List<CallListener> flat = new ArrayList<>();
        for (CallListener l : listeners) {
            Objects.requireNonNull(l, "listener");
            if (l instanceof GuardedListener) {
                flat.addAll(((GuardedListener) l).delegates());
            } else if (l != NONE) {
                flat.add(l);
            }
        }
        return flat.isEmpty() ? NONE : new GuardedListener(flat);
    }
}
