package io.branchline.core;

import io.branchline.core.models.Attempt;
import io.branchline.core.models.RegionStatus;
import reactor.core.publisher.Mono;

import java.util.List;

/**
 * Decides which regions a call uses and learns from every attempt. The client calls {@link #start} once when it is
 * built, {@link #plan} at the start of every call, {@link #tryAcquire} before each attempt and
 * {@link #onAttemptEnd} after each acquired attempt, and {@link #close} when it closes.
 *
 * <p>{@link #plan} runs on the caller's thread for every call: keep it cheap and free of locks and I/O.
 * The default, {@link #inOrder()}, uses the configured regions in order; {@code branchline-routing} provides
 * the router that finds the nearest healthy region.
 *
 * <p>A router instance serves one client.
 *
 * <p><strong>A router of your own</strong></p>
 *
 * <!-- src_embed io.branchline.core.RegionRouter -->
 * <pre>
 * &#47;** Tries the regions in configuration order, leaving out those an operator put into maintenance. *&#47;
 * static final class MaintenanceAwareRouter implements RegionRouter &#123;
 *     private final Set&lt;String&gt; inMaintenance = ConcurrentHashMap.newKeySet&#40;&#41;;
 *     private volatile List&lt;Region&gt; regions = List.of&#40;&#41;;
 *
 *     &#64;Override
 *     public void start&#40;RouterContext context&#41; &#123;
 *         regions = context.regions&#40;&#41;;
 *     &#125;
 *
 *     &#64;Override
 *     public RoutePlan plan&#40;FunctionRequest request&#41; &#123;   &#47;&#47; on the caller's thread: no I&#47;O, no locks
 *         RoutePlan.Builder plan = RoutePlan.builder&#40;&#41;;
 *         List&lt;Region&gt; usable = new ArrayList&lt;&gt;&#40;&#41;;
 *         for &#40;Region region : regions&#41; &#123;
 *             if &#40;inMaintenance.contains&#40;region.name&#40;&#41;&#41;&#41; &#123;
 *                 plan.unavailable&#40;region.name&#40;&#41;, &quot;in maintenance&quot;&#41;;
 *             &#125; else &#123;
 *                 usable.add&#40;region&#41;;
 *             &#125;
 *         &#125;
 *         return plan.regions&#40;usable&#41;.build&#40;&#41;.forRequest&#40;request&#41;;   &#47;&#47; the request's preferred&#47;excluded regions
 *     &#125;
 *
 *     &#64;Override
 *     public void onAttemptEnd&#40;Region region, Attempt attempt&#41; &#123;
 *         &#47;&#47; A learning router records attempt.outcome&#40;&#41; and attempt.latency&#40;&#41; here.
 *     &#125;
 *
 *     void maintenance&#40;String region, boolean on&#41; &#123;
 *         if &#40;on&#41; &#123;
 *             inMaintenance.add&#40;region&#41;;
 *         &#125; else &#123;
 *             inMaintenance.remove&#40;region&#41;;
 *         &#125;
 *     &#125;
 * &#125;
 * </pre>
 * <!-- end io.branchline.core.RegionRouter -->
 */
public interface RegionRouter extends AutoCloseable {

    /**
     * A router that tries the regions in configuration order (stable-sorted by priority) and keeps no state.
     *
     * @return a new router
     */
    static RegionRouter inOrder() {
        return new OrderedRegionRouter();
    }

    /**
     * Starts the router: called once by the client before the first call.
     *
     * @param context the regions, clock, scheduler, listener and probe
     */
    default void start(RouterContext context) {
    }

    /**
     * Completes when the router's first ranking of the regions exists, so that calls made from then on go where the
     * router means them to. Routers that measure nothing before the first call are ready at once (the default).
     * Never fails; a router that closes before it is ready completes then.
     *
     * @return a {@code Mono} that completes empty when the router is ready
     */
    default Mono<Void> ready() {
        return Mono.empty();
    }

    /**
     * The regions to try for a request, best first, honouring its preferred and excluded regions.
     *
     * @param request the request
     * @return the plan; never {@code null}
     */
    RoutePlan plan(FunctionRequest request);

    /**
     * Asks to send an attempt to a region now, within the region's concurrency limit. When this returns
     * {@code false} the client moves to the next region of the plan at once, without counting a failure.
     *
     * @param region the region
     * @return whether the attempt may be sent
     */
    default boolean tryAcquire(Region region) {
        return true;
    }

    /**
     * An attempt acquired with {@link #tryAcquire} ended: learn from its outcome and latency, and release its slot.
     * An attempt that could not even be prepared (no key, no token) is reported as
     * {@link io.branchline.core.models.AttemptOutcome#REJECTED}: it says nothing about the region.
     *
     * @param region the region
     * @param attempt the attempt
     */
    void onAttemptEnd(Region region, Attempt attempt);

    /**
     * What the router knows about each region now.
     *
     * @return one status per region, in configuration order
     */
    default List<RegionStatus> status() {
        return List.of();
    }

    /** Stops background work (probes, timers). Calls after close may fail. */
    @Override
    default void close() {
    }
}
