package io.branchline.routing;

import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.core.RegionRouter;
import io.branchline.core.RoutePlan;
import io.branchline.core.RouterContext;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.RegionStatus;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * The router that sends each call to the nearest healthy region and keeps it working through region outages,
 * brownouts, throttling and the branch's own link dropping. Give one to a client with
 * {@code FunctionClientBuilder.router(...)}; a router serves one client. Programs configured only from a properties
 * file or the environment start from {@link #fromProperties(Properties)} or {@link #fromEnvironment()}.
 *
 * <pre>{@code
 * RegionRouter router = NearestRegionRouter.builder()
 *     .healthProbe(HealthProbeOptions.builder().path("/api/health").interval(Duration.ofSeconds(5)).build())
 *     .lastKnownGood(Path.of("/var/lib/branch/branchline-routing.state"))
 *     .build();
 * FunctionClient client = new FunctionClientBuilder().region(we).region(ne).router(router).buildClient();
 * client.awaitReady(Duration.ofSeconds(3)); // the first ranking is measured: calls go to the nearest region
 * }</pre>
 *
 * <p>Per region it keeps health from probes and calls, a distance (the median of recent probe round trips; the
 * smoothed call latency when probes are off), a hedge latency percentile, a circuit breaker, the end of a throttle
 * (429 or Retry-After), an optional concurrency limit and a slow-start share after recovery. From these it
 * precomputes immutable plans whenever something changes, so {@link #plan} only reads a field. Selection follows
 * the {@link RoutingStrategy}; pinned regions come first; regions out are left out, each with its reason in
 * {@link RoutePlan#unavailable()}; a region back from being out waits out the failback dwell, then ramps up over
 * the slow start; when every region is out, all are tried anyway (panic); when every region refuses connections at
 * once the branch's own link is blamed and regions come back as soon as they answer; optionally the ranking
 * survives restarts in a last-known-good file.
 *
 * <p>Layout: this class is the {@link RegionRouter} façade. The decision lives in {@code PlanCompiler} (a pure
 * function from region views to plans); per-region breaker rules in {@code RegionBreaker}; probing and the first
 * ranking in {@code Prober}; call outcomes in {@code AttemptFeedback}; the branch's link in
 * {@code BranchLinkMonitor}; the last-known-good file in {@code LastKnownGoodStore}; the operator's run-time control
 * in {@code ControlPlane}; the shared state and rebuilds in {@code RouterState}.
 *
 * <p>Thread-safe. Background work runs on the client's scheduler and stops on {@link #close()}.
 */
public final class NearestRegionRouter implements RegionRouter {
    private static final ClientLogger LOGGER = new ClientLogger(NearestRegionRouter.class);

    /** Default relative margin a challenger must beat the leader by: {@value}. */
    public static final double DEFAULT_HYSTERESIS_RATIO = 0.2;
    /** Default absolute margin a challenger must beat the leader by: 5 milliseconds. */
    public static final Duration DEFAULT_HYSTERESIS_MIN = Duration.ofMillis(5);
    /** Default time a recovered region must stay healthy before it gets traffic back: 10 seconds. */
    public static final Duration DEFAULT_FAILBACK_DWELL = Duration.ofSeconds(10);
    /** Default time over which a recovered region's share ramps from 10 % to 100 %: 10 seconds. */
    public static final Duration DEFAULT_SLOW_START = Duration.ofSeconds(10);
    /** Default latency percentile of the first region that sets the hedge delay: {@value}. */
    public static final double DEFAULT_HEDGE_PERCENTILE = 0.95;
    /** Default window within which every region must refuse connections for the branch link to count as down: 5 s. */
    public static final Duration DEFAULT_LINK_DOWN_WINDOW = Duration.ofSeconds(5);
    /** Default age beyond which a last-known-good file is ignored: 24 hours. */
    public static final Duration DEFAULT_LAST_KNOWN_GOOD_MAX_AGE = Duration.ofHours(24);

    private final RouterConfig cfg;
    private final List<ControlSource> controlSources;
    private final java.nio.file.Path lastGoodControl;
    /** Set once by {@link #start}; read without a lock afterwards. */
    private volatile RouterParts parts;
    private volatile RouterState state;

    NearestRegionRouter(RouterConfig cfg, List<ControlSource> controlSources, java.nio.file.Path lastGoodControl) {
        this.cfg = cfg;
        this.controlSources = controlSources;
        this.lastGoodControl = lastGoodControl;
    }

    /**
     * Starts a builder with the defaults: nearest first, probing {@code GET /api/health}, default breaker, panic on.
     *
     * @return a builder
     */
    public static NearestRegionRouterBuilder builder() {
        return new NearestRegionRouterBuilder();
    }

    /**
     * A builder holding the {@code branchline.routing.*} settings of a properties file, for programs configured only
     * from one (every setting is listed in the README's configuration reference). Settings absent from the
     * properties keep their defaults; calls on the returned builder override what the properties said:
     * {@code FunctionClientBuilder.fromProperties(p).router(NearestRegionRouter.fromProperties(p).build())}.
     *
     * @param properties the properties, such as those loaded from {@code branchline.properties}; copied
     * @return a pre-filled builder
     * @throws NullPointerException if {@code properties} is null
     * @throws IllegalArgumentException if a setting is malformed; the message names the setting, its value and the
     *     expected form
     */
    public static NearestRegionRouterBuilder fromProperties(Properties properties) {
        Objects.requireNonNull(properties, "properties");
        return RoutingSettings.fromProperties(properties).toBuilderWithControl();
    }

    /**
     * A builder holding the {@code BRANCHLINE_ROUTING_*} settings of the process environment; see
     * {@link #fromEnvironment(Map)}.
     *
     * @return a pre-filled builder
     * @throws IllegalArgumentException if a setting is malformed, naming the setting, its variable and value
     */
    public static NearestRegionRouterBuilder fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * A builder holding the {@code BRANCHLINE_ROUTING_*} settings of the given variables (an environment file the
     * application loaded itself, a test's map): the property names upper-cased, dots and dashes turned into
     * underscores; concurrency limits as one list, {@code BRANCHLINE_ROUTING_CONCURRENCY_LIMITS=onprem=32,eu=100}.
     *
     * @param env variable names and values; copied
     * @return a pre-filled builder
     * @throws NullPointerException if {@code env} is null
     * @throws IllegalArgumentException if a setting is malformed, naming the setting, its variable and value
     */
    public static NearestRegionRouterBuilder fromEnvironment(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        return RoutingSettings.fromEnvironment(env).toBuilderWithControl();
    }

    /** @return a new router with every default */
    public static NearestRegionRouter create() {
        return builder().build();
    }

    /**
     * Starts a builder holding this router's settings, for a router serving another client.
     *
     * @return a builder
     */
    public NearestRegionRouterBuilder toBuilder() {
        return NearestRegionRouterBuilder.of(cfg);
    }

    /**
     * Starts the router for its client: builds the per-region state, reads the last-known-good file and starts
     * measuring the first ranking. Called once by the client.
     *
     * @param context the client's regions, clock, scheduler, listener and probe
     * @throws IllegalStateException when the router was started before, or a pinned or limited region is not
     *     configured
     */
    @Override
    public synchronized void start(RouterContext context) {
        Objects.requireNonNull(context, "context");
        if (state != null) {
            throw LOGGER.logExceptionAsError(new IllegalStateException("This router is already started: give each"
                + " client a router of its own (NearestRegionRouter.toBuilder().build())"));
        }
        cfg.checkRegions(context.regions());
        RouterParts p = RouterParts.start(cfg, context, controlSources, lastGoodControl);
        parts = p;
        state = p.state;
        p.startBackground();
    }

    /**
     * Completes when the first ranking is measured: at start every region is probed in quick rounds until the order
     * is stable (about a second; bounded at 2 s plus one probe timeout), so that calls made after it go to the
     * nearest region from the first one. Completes at once when probes are off, and when the router closes.
     *
     * @return a {@code Mono} completing empty when the router is ready
     */
    @Override
    public Mono<Void> ready() {
        RouterState s = state;
        return s == null ? Mono.error(new IllegalStateException("the router is not started")) : parts.prober.ready();
    }

    /**
     * Stops the probes and saves the last-known-good file. Later calls to {@link #plan} still answer from the last
     * state.
     */
    @Override
    public void close() {
        RouterParts p = parts;
        if (p != null) {
            p.close();
        }
    }

    /**
     * The regions to try for a request. Without preferred or excluded regions this returns a precomputed plan
     * (no lock, no allocation); with them, a plan is built for the request.
     *
     * @param request the request
     * @return the plan
     */
    @Override
    public RoutePlan plan(FunctionRequest request) {
        RouterState st = state;
        if (st == null) {
            return RoutePlan.empty();
        }
        Snapshot s = st.snapshot;
        if (st.dirty || s.expired(st.clock)) {
            st.maybeRebuild();
            s = st.snapshot;
        }
        RoutePlan base = s.pick();
        if (request.preferredRegions().isEmpty() && request.excludedRegions().isEmpty()) {
            return base;
        }
        return st.forRequest(base, request);
    }

    /**
     * Admits an attempt to a region: its circuit must allow it (in panic it is admitted anyway) and its concurrency
     * limit, if any, must have room.
     *
     * @param region the region
     * @return whether the attempt may be sent now
     */
    @Override
    public boolean tryAcquire(Region region) {
        return parts.feedback.admit(region);
    }

    /**
     * Learns from an attempt (latency, breaker, throttling, health) and releases its slot. An attempt to a deployment
     * slot (a canary) feeds only the slot's own circuit: never the production app's breaker, health or ranking.
     */
    @Override
    public void onAttemptEnd(Region region, Attempt attempt) {
        parts.feedback.ended(region, attempt);
    }

    @Override
    public List<RegionStatus> status() {
        RouterState st = state;
        return st == null ? List.of() : st.status();
    }

    @Override
    public String toString() {
        return cfg.toString();
    }

    /** The control sources, for the client's one INFO line; empty when none. */
    String describeControl() {
        return ControlPlane.describe(controlSources);
    }

    // Package-private seams for the tests of this package.

    RouterState state() {
        return state;
    }

    Prober prober() {
        return parts.prober;
    }

    BranchLinkMonitor link() {
        return parts.link;
    }

    ControlPlane control() {
        return parts.control;
    }

    /** Probes every region once, synchronously (tests build routers with manual probes). */
    void probeNow() {
        parts.prober.probeNow();
    }
}
