package io.branchline.routing;

import com.azure.core.util.logging.ClientLogger;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.core.RegionRouter;
import io.branchline.core.RoutePlan;
import io.branchline.core.RouterContext;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.ProbeResult;
import io.branchline.core.models.RegionHealth;
import io.branchline.core.models.RegionStatus;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The router that sends each call to the nearest healthy region and keeps it working through region outages,
 * brownouts, throttling and the branch's own link dropping. Give one to a client with
 * {@code FunctionClientBuilder.router(...)}; a router serves one client.
 *
 * <pre>{@code
 * RegionRouter router = NearestRegionRouter.builder()
 *     .healthProbe(HealthProbeOptions.builder().path("/api/health").interval(Duration.ofSeconds(5)).build())
 *     .breaker(BreakerOptions.builder().consecutiveFailures(3).openTime(Duration.ofSeconds(5)).build())
 *     .failbackDwell(Duration.ofSeconds(10))
 *     .lastKnownGood(Path.of("/var/lib/branch/branchline-routing.state"))
 *     .build();
 * FunctionClient client = new FunctionClientBuilder().region(we).region(ne).router(router).buildClient();
 * }</pre>
 *
 * <p>Programs configured only from a properties file or the environment start from
 * {@link #fromProperties(Properties)} or {@link #fromEnvironment()} ({@code branchline.routing.*} settings, listed in
 * the README).
 *
 * <p>What it keeps per region: health from background probes and from every call, a latency estimate (the median
 * of recent probe round trips, which compares regions fairly whichever takes the traffic; the smoothed call latency
 * when probes are off) with a small reservoir of call latencies for the hedge delay, a circuit breaker, the instant a throttle (429, or
 * Retry-After) ends, an optional concurrency limit, and a slow-start share after recovery. From these it
 * precomputes immutable route plans whenever something changes, so {@link #plan} only reads a field.
 *
 * <p>Behaviour in short:
 * <ul>
 * <li>Selection follows the {@link RoutingStrategy}; pinned regions come first; regions that are unhealthy,
 * throttled or whose circuit is open are left out, each with its reason in {@link RoutePlan#unavailable()}.</li>
 * <li>Failback: a region that was out gets traffic again only after {@link Builder#failbackDwell(Duration)}, then its
 * share ramps up over {@link Builder#slowStart(Duration)}.</li>
 * <li>Panic: when every region is out, all are tried in order anyway, unless {@link Builder#panic(boolean)} is
 * off.</li>
 * <li>Branch link down: when every region refuses connections within a short window, the router blames the branch's
 * own network: open times stop growing, every region is probed quickly, and regions come back as soon as a probe
 * passes, without dwell.</li>
 * <li>Last-known-good: optionally the ranking and the regions known down survive restarts in a small file.</li>
 * </ul>
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

    static final long REFRESH_MILLIS = 5_000;
    static final long SAVE_DEBOUNCE_MILLIS = 1_000;
    static final long LINK_DOWN_PROBE_MILLIS = 1_000;
    static final long MAX_DEFAULT_THROTTLE_MILLIS = 30_000;
    private static final double RAMP_START = 0.1;
    private static final RegionFailure FAILURE = new RegionFailure();

    private final RoutingStrategy strategy;
    private final HealthProbeOptions probes;
    private final BreakerOptions breakerOptions;
    private final double hysteresisRatio;
    private final long hysteresisMinNanos;
    private final long dwellMillis;
    private final long slowStartMillis;
    private final double hedgePercentile;
    private final List<String> pins;
    private final Map<String, Integer> limits;
    private final boolean panic;
    private final Path lastKnownGood;
    private final Duration lastKnownGoodMaxAge;
    private final Duration linkDownWindow;
    private final boolean scheduleProbes;

    private RouterContext context;
    private Clock clock;
    private RegionState[] states = new RegionState[0];
    private Map<String, RegionState> byName = Map.of();
    private Cache<String, Boolean> connectFailures;

    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private volatile boolean dirty = true;
    private volatile boolean linkDown;
    private volatile boolean started;
    private volatile boolean closed;
    private volatile Consumer<ProbeResult> probeObserver;
    private final AtomicInteger linkDownEpisodes = new AtomicInteger();

    /** Guards {@link #rank}, rebuilding and saving. */
    private final ReentrantLock lock = new ReentrantLock();
    private RegionState[] rank = new RegionState[0];
    private String lastSavedRanking;
    private ScheduledFuture<?> saveTask;

    private NearestRegionRouter(Builder b) {
        this.strategy = b.strategy;
        this.probes = b.probes;
        this.breakerOptions = b.breaker;
        this.hysteresisRatio = b.hysteresisRatio;
        this.hysteresisMinNanos = b.hysteresisMin.toNanos();
        this.dwellMillis = b.failbackDwell.toMillis();
        this.slowStartMillis = b.slowStart.toMillis();
        this.hedgePercentile = b.hedgePercentile;
        this.pins = List.copyOf(b.pins);
        this.limits = Collections.unmodifiableMap(new LinkedHashMap<>(b.limits));
        this.panic = b.panic;
        this.lastKnownGood = b.lastKnownGood;
        this.lastKnownGoodMaxAge = b.lastKnownGoodMaxAge;
        this.linkDownWindow = b.linkDownWindow;
        this.scheduleProbes = b.scheduleProbes;
    }

    /**
     * Starts a builder with the defaults: nearest first, probing {@code GET /api/health}, default breaker, panic on.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding the {@code branchline.routing.*} settings of a properties file, for programs configured only
     * from one (every setting is listed in the README's configuration reference). Settings absent from the
     * properties keep their defaults; calls on the returned builder override what the properties said.
     *
     * <pre>{@code
     * RegionRouter router = NearestRegionRouter.fromProperties(properties).build();
     * FunctionClient client = FunctionClientBuilder.fromProperties(properties).router(router).buildClient();
     * }</pre>
     *
     * @param properties the properties, such as those loaded from {@code branchline.properties}; copied
     * @return a pre-filled builder
     * @throws NullPointerException if {@code properties} is null
     * @throws IllegalArgumentException if a setting is malformed; the message names the setting, its value and the
     *     expected form
     */
    public static Builder fromProperties(Properties properties) {
        Objects.requireNonNull(properties, "properties");
        return RoutingSettings.fromProperties(properties).toBuilder();
    }

    /**
     * A builder holding the {@code BRANCHLINE_ROUTING_*} settings of the process environment; see
     * {@link #fromEnvironment(Map)}.
     *
     * @return a pre-filled builder
     * @throws IllegalArgumentException if a setting is malformed; the message names the setting and its variable,
     *     its value and the expected form
     */
    public static Builder fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * A builder holding the {@code BRANCHLINE_ROUTING_*} settings of the given variables, such as an environment
     * file the application loaded itself, or a test's map. Variable names are the property names upper-cased, with
     * dots and dashes turned into underscores ({@code BRANCHLINE_ROUTING_PROBE_PATH}); per-region concurrency limits
     * are given as one list, {@code BRANCHLINE_ROUTING_CONCURRENCY_LIMITS=onprem=32,westeurope=100}.
     *
     * @param env variable names and values; copied
     * @return a pre-filled builder
     * @throws NullPointerException if {@code env} is null
     * @throws IllegalArgumentException if a setting is malformed; the message names the setting and its variable,
     *     its value and the expected form
     */
    public static Builder fromEnvironment(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        return RoutingSettings.fromEnvironment(env).toBuilder();
    }

    /**
     * A router with every default.
     *
     * @return a new router
     */
    public static NearestRegionRouter create() {
        return builder().build();
    }

    /**
     * Starts a builder holding this router's settings, for a router serving another client.
     *
     * @return a builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.strategy = strategy;
        b.probes = probes;
        b.breaker = breakerOptions;
        b.hysteresisRatio = hysteresisRatio;
        b.hysteresisMin = Duration.ofNanos(hysteresisMinNanos);
        b.failbackDwell = Duration.ofMillis(dwellMillis);
        b.slowStart = Duration.ofMillis(slowStartMillis);
        b.hedgePercentile = hedgePercentile;
        b.pins.addAll(pins);
        b.limits.putAll(limits);
        b.panic = panic;
        b.lastKnownGood = lastKnownGood;
        b.lastKnownGoodMaxAge = lastKnownGoodMaxAge;
        b.linkDownWindow = linkDownWindow;
        return b;
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    /**
     * Starts the router for its client: builds the per-region state, reads the last-known-good file and starts the
     * probes. Called once by the client.
     *
     * @param context the client's regions, clock, scheduler, listener and probe
     * @throws IllegalStateException when the router was started before, or a pinned or limited region is not
     *     configured
     */
    @Override
    public void start(RouterContext context) {
        Objects.requireNonNull(context, "context");
        lock.lock();
        try {
            if (started) {
                throw LOGGER.logExceptionAsError(new IllegalStateException("This router is already started: give each"
                    + " client a router of its own (NearestRegionRouter.toBuilder().build())"));
            }
            this.context = context;
            this.clock = context.clock();
            List<Region> regions = context.regions();
            Set<String> names = new LinkedHashSet<>();
            regions.forEach(r -> names.add(r.name()));
            for (String p : pins) {
                if (!names.contains(p)) {
                    throw LOGGER.logExceptionAsError(new IllegalStateException("Pinned region '" + p
                        + "' is not configured; expected one of " + names));
                }
            }
            for (String l : limits.keySet()) {
                if (!names.contains(l)) {
                    throw LOGGER.logExceptionAsError(new IllegalStateException("Concurrency limit for region '" + l
                        + "' but no such region is configured; expected one of " + names));
                }
            }
            RegionState[] s = new RegionState[regions.size()];
            Map<String, RegionState> map = new HashMap<>();
            for (int i = 0; i < s.length; i++) {
                s[i] = newState(regions.get(i), i);
                map.put(s[i].name(), s[i]);
            }
            this.states = s;
            this.byName = map;
            this.connectFailures = Caffeine.newBuilder()
                .expireAfterWrite(linkDownWindow)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .maximumSize(Math.max(16, s.length * 2L))
                .build();
            RegionState[] r = s.clone();
            java.util.Arrays.sort(r, Comparator.comparingInt((RegionState x) -> x.region.priority())
                .thenComparingInt(x -> x.index));
            this.rank = r;
            loadLastKnownGood();
            started = true;
            rebuild();
        } finally {
            lock.unlock();
        }
        if (probes.isEnabled() && scheduleProbes) {
            long spread = Math.min(probes.interval().toMillis(), 200);
            for (RegionState st : states) {
                scheduleProbe(st, ThreadLocalRandom.current().nextLong(spread + 1));
            }
        }
    }

    private RegionState newState(Region region, int index) {
        RegionState s = new RegionState(region, index);
        IntervalFunction growing = IntervalFunction.ofExponentialBackoff(breakerOptions.openTime(), 2.0,
            breakerOptions.maxOpenTime());
        long base = breakerOptions.openTime().toMillis();
        IntervalFunction openTime = attempt -> {
            long ms = linkDown ? base : growing.apply(attempt);
            s.lastOpenMillis = ms;
            return ms;
        };
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
            .slidingWindow(breakerOptions.window(), breakerOptions.minimumCalls(),
                CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(breakerOptions.failureRate())
            .slowCallDurationThreshold(breakerOptions.slowCallThreshold())
            .slowCallRateThreshold(100)
            .permittedNumberOfCallsInHalfOpenState(breakerOptions.halfOpenTrials())
            .waitIntervalFunctionInOpenState(openTime)
            .automaticTransitionFromOpenToHalfOpenEnabled(false)
            .clock(clock)
            .build();
        s.breaker = CircuitBreaker.of(region.name(), config);
        // No event consumer on the breaker: with one, resilience4j builds an event object (with a time stamp) for every
        // call. The router sees transitions by comparing the state after each of its own interactions instead.
        Integer limit = limits.get(region.name());
        if (limit != null) {
            s.bulkhead = Bulkhead.of(region.name(), BulkheadConfig.custom().maxConcurrentCalls(limit)
                .maxWaitDuration(Duration.ZERO).build());
        }
        return s;
    }

    /**
     * Stops the probes and saves the last-known-good file. Later calls to {@link #plan} still answer from the last
     * state.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (RegionState s : states) {
            ScheduledFuture<?> f = s.probeTask;
            if (f != null) {
                f.cancel(false);
            }
        }
        lock.lock();
        try {
            if (saveTask != null) {
                saveTask.cancel(false);
                saveTask = null;
            }
            if (started && lastKnownGood != null) {
                saveNow();
            }
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------ call path

    /**
     * The regions to try for a request. Without preferred or excluded regions this returns a precomputed plan
     * (no lock, no allocation); with them, a plan is built for the request.
     *
     * @param request the request
     * @return the plan
     */
    @Override
    public RoutePlan plan(FunctionRequest request) {
        Snapshot s = snapshot;
        if (dirty || clock != null && clock.millis() >= s.validUntilMillis) {
            maybeRebuild();
            s = snapshot;
        }
        if (request.preferredRegions().isEmpty() && request.excludedRegions().isEmpty()) {
            return s.pick();
        }
        return forRequest(s.pick(), request);
    }

    private RoutePlan forRequest(RoutePlan base, FunctionRequest request) {
        List<Region> out = new ArrayList<>(base.regions().size());
        RoutePlan.Builder b = RoutePlan.builder().panic(base.isPanic()).retryAt(base.retryAt());
        base.unavailable().forEach((name, reason) -> {
            if (!request.excludedRegions().contains(name)) {
                b.unavailable(name, reason);
            }
        });
        for (String name : request.preferredRegions()) {
            for (Region r : base.regions()) {
                if (r.name().equals(name) && !request.excludedRegions().contains(name) && !out.contains(r)) {
                    out.add(r);
                }
            }
        }
        for (Region r : base.regions()) {
            if (!request.excludedRegions().contains(r.name()) && !out.contains(r)) {
                out.add(r);
            }
        }
        for (RegionState s : states) {
            if (request.excludedRegions().contains(s.name())) {
                b.unavailable(s.name(), "excluded by the request");
            }
        }
        Duration hedge = base.hedgeDelay();
        if (!out.isEmpty() && (base.regions().isEmpty() || !out.get(0).equals(base.regions().get(0)))) {
            RegionState first = byName.get(out.get(0).name());
            hedge = first == null ? hedge : hedgeDelay(first);
        }
        return b.regions(out).hedgeDelay(hedge).build();
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
        RegionState s = byName.get(region.name());
        if (s == null) {
            return true;
        }
        boolean permitted = s.breaker.tryAcquirePermission();
        observe(s);
        boolean bypass = false;
        if (!permitted) {
            if (panic && snapshot.panic) {
                bypass = true;
            } else {
                dirty = true;
                return false;
            }
        }
        if (s.bulkhead != null && !s.bulkhead.tryAcquirePermission()) {
            if (permitted) {
                s.breaker.releasePermission();
            }
            return false;
        }
        if (bypass) {
            s.bypass.incrementAndGet();
        }
        s.inFlight.incrementAndGet();
        return true;
    }

    /**
     * Learns from an attempt: latency, breaker, throttling, health, and releases its slot.
     *
     * @param region the region
     * @param attempt the attempt
     */
    @Override
    public void onAttemptEnd(Region region, Attempt attempt) {
        RegionState s = byName.get(region.name());
        if (s == null) {
            return;
        }
        s.inFlight.decrementAndGet();
        if (s.bulkhead != null) {
            s.bulkhead.onComplete();
        }
        boolean bypassed = s.bypass.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
        long now = clock.millis();
        long nanos = attempt.latency().toNanos();
        AttemptOutcome o = attempt.outcome();
        try {
            switch (o) {
                case SUCCESS:
                case CLIENT_ERROR:
                    onCallSuccess(s, nanos, bypassed);
                    break;
                case THROTTLED:
                    release(s, bypassed);
                    throttle(s, attempt.retryAfter(), now);
                    break;
                case CANCELLED:
                    release(s, bypassed);
                    if (!attempt.hedged()) {
                        s.recordCensored(nanos);
                        checkReorder();
                    }
                    break;
                case REJECTED:
                    release(s, bypassed);
                    break;
                default:
                    if (o == AttemptOutcome.SERVER_ERROR && attempt.retryAfter() != null) {
                        release(s, bypassed);
                        throttle(s, attempt.retryAfter(), now);
                    } else {
                        onCallFailure(s, o, nanos, bypassed, now);
                    }
                    break;
            }
        } catch (RuntimeException e) {
            LOGGER.atVerbose().addKeyValue("region", s.name()).log("router state update failed", e);
        }
        maybeRebuild();
    }

    private void release(RegionState s, boolean bypassed) {
        if (!bypassed) {
            s.breaker.releasePermission();
        }
    }

    private void onCallSuccess(RegionState s, long nanos, boolean bypassed) {
        if (s.consecutiveFailures != 0 || s.throttleStreak != 0) { // every successful call passes here: no lock unless needed
            synchronized (s) {
                s.consecutiveFailures = 0;
                s.throttleStreak = 0;
            }
        }
        s.recordLatency(nanos);
        linkUp();
        CircuitBreaker.State st = s.breaker.getState();
        if (s.linkRecovery) {
            restoreAfterLink(s, "a call succeeded after the branch's link came back");
        } else if (bypassed && st != CircuitBreaker.State.CLOSED) {
            // A panic attempt succeeded: count it as a trial.
            if (st == CircuitBreaker.State.OPEN) {
                transition(s, CircuitBreaker.State.HALF_OPEN);
            }
            s.breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
        } else if (!bypassed) {
            s.breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
        }
        observe(s);
        if (s.health == RegionHealth.UNKNOWN || !probes.isEnabled() && s.health == RegionHealth.UNHEALTHY) {
            setHealth(s, RegionHealth.HEALTHY, "a call succeeded");
        }
        checkReorder();
    }

    private void onCallFailure(RegionState s, AttemptOutcome o, long nanos, boolean bypassed, long now) {
        s.linkRecovery = false;
        if (!bypassed) {
            s.breaker.onError(nanos, TimeUnit.NANOSECONDS, FAILURE);
            observe(s);
        }
        int n;
        synchronized (s) {
            n = ++s.consecutiveFailures;
        }
        if (n >= breakerOptions.consecutiveFailures() && s.breaker.getState() == CircuitBreaker.State.CLOSED) {
            transition(s, CircuitBreaker.State.OPEN);
        } else if (!bypassed) {
            reopenIfHalfOpen(s);
        }
        if (o == AttemptOutcome.CONNECT_FAILED) {
            noteConnectFailure(s);
        }
    }

    private void throttle(RegionState s, Duration retryAfter, long now) {
        long ms;
        synchronized (s) {
            if (retryAfter != null) {
                ms = retryAfter.toMillis();
            } else {
                ms = Math.min(MAX_DEFAULT_THROTTLE_MILLIS, 1000L << Math.min(s.throttleStreak, 5));
            }
            s.throttleStreak++;
            if (ms > 0 && now + ms > s.throttledUntilMillis) {
                s.throttledUntilMillis = now + ms;
                dirty = true;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ breaker

    private void transition(RegionState s, CircuitBreaker.State to) {
        try {
            switch (to) {
                case OPEN:
                    s.breaker.transitionToOpenState();
                    break;
                case HALF_OPEN:
                    s.breaker.transitionToHalfOpenState();
                    break;
                case CLOSED:
                    s.breaker.transitionToClosedState();
                    break;
                default:
                    break;
            }
        } catch (RuntimeException e) {
            // a concurrent transition won; the breaker is in a valid state either way
            LOGGER.atVerbose().addKeyValue("region", s.name()).log("breaker transition to " + to + " skipped");
        }
        observe(s);
    }

    /** Reports a breaker transition once, whichever thread first sees the new state. */
    private void observe(RegionState s) {
        CircuitBreaker.State now = s.breaker.getState();
        CircuitBreaker.State seen = s.seenState.get();
        while (now != seen) {
            if (s.seenState.compareAndSet(seen, now)) {
                onBreakerTransition(s, seen, now);
                return;
            }
            seen = s.seenState.get();
            now = s.breaker.getState();
        }
    }

    /** Only volatile writes and the (fast, guarded) listener. */
    private void onBreakerTransition(RegionState s, CircuitBreaker.State from, CircuitBreaker.State to) {
        if (to == CircuitBreaker.State.OPEN) {
            s.openUntilMillis = clock.millis() + s.lastOpenMillis;
            s.openedAtNanos = System.nanoTime();
            s.passesSinceOpen.set(0);
            s.firstPassAtMillis = Long.MIN_VALUE;
        }
        dirty = true;
        LOGGER.atVerbose().addKeyValue("region", s.name()).addKeyValue("from", String.valueOf(from)).addKeyValue("to", String.valueOf(to))
            .log("circuit breaker state changed");
        try {
            context.listener().breakerStateChanged(s.region, map(from), map(to));
        } catch (RuntimeException e) {
            LOGGER.atVerbose().log("listener failed", e);
        }
    }

    static BreakerState map(CircuitBreaker.State st) {
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

    private void setHealth(RegionState s, RegionHealth to, String reason) {
        RegionHealth from;
        synchronized (s) {
            from = s.health;
            if (from == to) {
                return;
            }
            s.health = to;
            s.healthReason = reason;
        }
        dirty = true;
        LOGGER.atVerbose().addKeyValue("region", s.name()).addKeyValue("from", String.valueOf(from)).addKeyValue("to", String.valueOf(to))
            .log(reason);
        try {
            context.listener().regionHealthChanged(s.region, from, to, reason);
        } catch (RuntimeException e) {
            LOGGER.atVerbose().log("listener failed", e);
        }
    }

    // ------------------------------------------------------------------------------------------------ link down

    private void noteConnectFailure(RegionState s) {
        connectFailures.put(s.name(), Boolean.TRUE);
        if (linkDown) {
            return;
        }
        for (RegionState other : states) {
            if (connectFailures.getIfPresent(other.name()) == null) {
                return;
            }
        }
        synchronized (this) {
            if (linkDown) {
                return;
            }
            linkDown = true;
        }
        linkDownEpisodes.incrementAndGet();
        dirty = true;
        LOGGER.atWarning().addKeyValue("regions", states.length).log("every region refused connections within "
            + linkDownWindow.toMillis() + " ms: treating it as the branch's own link being down (open times stay at "
            + breakerOptions.openTime().toMillis() + " ms, probing every " + LINK_DOWN_PROBE_MILLIS + " ms)");
        probeAllSoon();
    }

    private void linkUp() {
        if (!linkDown) {
            if (connectFailures.estimatedSize() > 0) { // every successful call passes here: keep it cheap
                connectFailures.invalidateAll();
            }
            return;
        }
        synchronized (this) {
            if (!linkDown) {
                return;
            }
            linkDown = false;
            connectFailures.invalidateAll();
            for (RegionState s : states) {
                if (s.health == RegionHealth.UNHEALTHY || s.breaker.getState() != CircuitBreaker.State.CLOSED) {
                    s.linkRecovery = true;
                }
            }
        }
        dirty = true;
        LOGGER.atInfo().log("a region answered again: the branch's link is back; restoring regions as their probes pass");
        probeAllSoon();
    }

    private void restoreAfterLink(RegionState s, String reason) {
        s.linkRecovery = false;
        s.skipDwell = true;
        synchronized (s) {
            s.probeFailures = 0;
            s.consecutiveFailures = 0;
        }
        if (s.breaker.getState() != CircuitBreaker.State.CLOSED) {
            transition(s, CircuitBreaker.State.CLOSED);
        }
        setHealth(s, RegionHealth.HEALTHY, reason);
    }

    // ------------------------------------------------------------------------------------------------ probes

    private void scheduleProbe(RegionState s, long delayMillis) {
        if (closed) {
            return;
        }
        try {
            ScheduledFuture<?> task = context.scheduler().schedule(() -> runProbe(s, true), delayMillis, TimeUnit.MILLISECONDS);
            s.probeTask = task;
            if (closed) {
                // close() ran while this probe was being chained: it may not have seen this task, so cancel it here
                task.cancel(false);
            }
        } catch (RuntimeException e) {
            // the client's scheduler is shut down: the client is closing
            LOGGER.atVerbose().addKeyValue("region", s.name()).log("probe not scheduled: scheduler stopped");
        }
    }

    private long nextProbeDelay() {
        long base = probes.interval().toMillis();
        if (linkDown) {
            base = Math.min(base, LINK_DOWN_PROBE_MILLIS);
        }
        double j = probes.jitter();
        double factor = 1 + j * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Math.max(1, Math.round(base * factor));
    }

    private void probeAllSoon() {
        if (!probes.isEnabled() || closed || !scheduleProbes) {
            return;
        }
        for (RegionState s : states) {
            try {
                context.scheduler().execute(() -> runProbe(s, false));
            } catch (RuntimeException e) {
                return;
            }
        }
    }

    /** One probe of one region, never overlapping the previous one; the chain reschedules itself when done. */
    private void runProbe(RegionState s, boolean chain) {
        if (closed) {
            return;
        }
        if (!s.probing.compareAndSet(false, true)) {
            if (chain) {
                scheduleProbe(s, nextProbeDelay());
            }
            return;
        }
        try {
            long sentAt = System.nanoTime();
            context.probe(s.region, probes.method(), probes.path(), probes.headers(), probes.timeout())
                .subscribe(r -> {
                    s.probing.set(false);
                    onProbe(s, r, sentAt);
                    if (chain) {
                        scheduleProbe(s, nextProbeDelay());
                    }
                }, e -> {
                    s.probing.set(false);
                    if (chain) {
                        scheduleProbe(s, nextProbeDelay());
                    }
                });
        } catch (RuntimeException e) {
            s.probing.set(false);
            if (chain) {
                scheduleProbe(s, nextProbeDelay());
            }
        }
    }

    /** Probes every region once, synchronously, and applies the results. For tests: no waiting on timers. */
    void probeNow() {
        for (RegionState s : states) {
            long sentAt = System.nanoTime();
            ProbeResult r = context.probe(s.region, probes.method(), probes.path(), probes.headers(), probes.timeout())
                .block(probes.timeout().plusSeconds(5));
            if (r != null) {
                onProbe(s, r, sentAt);
            }
        }
        dirty = true;
        maybeRebuild();
    }

    void onProbe(RegionState s, ProbeResult r, long sentAtNanos) {
        if (closed) {
            return;
        }
        try {
            applyProbe(s, r, sentAtNanos);
        } catch (RuntimeException e) {
            LOGGER.atVerbose().addKeyValue("region", s.name()).log("probe result not applied", e);
        }
        dirty = true;
        maybeRebuild();
        Consumer<ProbeResult> observer = probeObserver;
        if (observer != null) {
            observer.accept(r);
        }
    }

    private void applyProbe(RegionState s, ProbeResult r, long sentAtNanos) {
        boolean pass = r.statusWithin(probes.expectedStatusLow(), probes.expectedStatusHigh());
        long nanos = r.latency().toNanos();
        if (pass) {
            s.recordProbeLatency(nanos);
            linkUp();
            int successes;
            synchronized (s) {
                s.probeFailures = 0;
                successes = ++s.probeSuccesses;
            }
            if (s.linkRecovery) {
                restoreAfterLink(s, "probe passed after the branch's link came back");
                return;
            }
            if (s.health == RegionHealth.UNKNOWN) {
                setHealth(s, RegionHealth.HEALTHY, "probe passed");
            } else if (s.health == RegionHealth.UNHEALTHY && successes >= probes.healthyThreshold()) {
                setHealth(s, RegionHealth.HEALTHY, successes + " probes passed");
            }
            // Only probes sent after the breaker opened speak for the region's recovery.
            boolean fresh = sentAtNanos >= s.openedAtNanos;
            int sinceOpen = fresh ? s.passesSinceOpen.incrementAndGet() : s.passesSinceOpen.get();
            CircuitBreaker.State st = s.breaker.getState();
            if (fresh && s.firstPassAtMillis == Long.MIN_VALUE
                && (s.health == RegionHealth.UNHEALTHY || st != CircuitBreaker.State.CLOSED)) {
                // The failback dwell counts from the first sign of recovery, not from when the last check agreed.
                s.firstPassAtMillis = clock.millis();
            }
            if (sinceOpen >= Math.max(probes.healthyThreshold(), breakerOptions.halfOpenTrials())
                && (st == CircuitBreaker.State.OPEN || st == CircuitBreaker.State.HALF_OPEN)) {
                // Probes are trials that risk no real request: once as many pass in a row as the half-open state
                // would ask of real calls, the breaker closes without waiting out its open time. A recovered region
                // is not kept out for minutes; the failback dwell and slow start still apply from here.
                transition(s, CircuitBreaker.State.CLOSED);
            }
            trial(s, true, nanos);
        } else {
            s.linkRecovery = false;
            s.passesSinceOpen.set(0);
            s.firstPassAtMillis = Long.MIN_VALUE;
            int failures;
            synchronized (s) {
                s.probeSuccesses = 0;
                failures = ++s.probeFailures;
            }
            if (r.outcome() == AttemptOutcome.CONNECT_FAILED) {
                noteConnectFailure(s);
            }
            if (s.health != RegionHealth.UNHEALTHY && failures >= probes.unhealthyThreshold()) {
                String what = r.statusCode() > 0 ? "HTTP " + r.statusCode() : String.valueOf(r.outcome());
                setHealth(s, RegionHealth.UNHEALTHY, failures + " probes failed: " + what);
            }
            trial(s, false, nanos);
        }
    }

    /** A probe of a region whose circuit is open or half-open counts as a trial call. */
    private void trial(RegionState s, boolean ok, long nanos) {
        CircuitBreaker.State st = s.breaker.getState();
        if ((st == CircuitBreaker.State.OPEN || st == CircuitBreaker.State.HALF_OPEN)
            && s.breaker.tryAcquirePermission()) {
            observe(s);
            if (ok) {
                s.breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
                observe(s);
            } else {
                s.breaker.onError(nanos, TimeUnit.NANOSECONDS, FAILURE);
                observe(s);
                reopenIfHalfOpen(s);
            }
        }
    }

    /** One failed trial is enough at branch traffic levels: do not wait for every trial to fail. */
    private void reopenIfHalfOpen(RegionState s) {
        if (s.breaker.getState() == CircuitBreaker.State.HALF_OPEN) {
            transition(s, CircuitBreaker.State.OPEN);
        }
    }

    // ------------------------------------------------------------------------------------------------ plans

    private boolean better(RegionState challenger, RegionState leader) {
        if (!challenger.measured()) {
            return false;
        }
        if (!leader.measured()) {
            return true;
        }
        double c = challenger.score();
        double l = leader.score();
        return c < l * (1 - hysteresisRatio) && l - c > hysteresisMinNanos;
    }

    /** After a latency update: would the ranking change? Cheap, allocation-free. */
    private void checkReorder() {
        RegionState[] r = snapshot.rank;
        for (int i = 0; i + 1 < r.length; i++) {
            if (better(r[i + 1], r[i])) {
                dirty = true;
                return;
            }
        }
    }

    private void maybeRebuild() {
        if (!started) {
            return;
        }
        if ((dirty || clock.millis() >= snapshot.validUntilMillis) && lock.tryLock()) {
            try {
                if (dirty || clock.millis() >= snapshot.validUntilMillis) {
                    rebuild();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Recomputes the plans from the regions' state. Holds {@link #lock}. */
    private void rebuild() {
        dirty = false;
        long now = clock.millis();
        RegionState[] r = rank;
        boolean swapped = true;
        while (swapped) {
            swapped = false;
            for (int i = 0; i + 1 < r.length; i++) {
                if (better(r[i + 1], r[i])) {
                    RegionState t = r[i];
                    r[i] = r[i + 1];
                    r[i + 1] = t;
                    swapped = true;
                }
            }
        }
        List<RegionState> tier1 = new ArrayList<>();
        List<RegionState> tier2 = new ArrayList<>();
        List<RegionState> throttled = new ArrayList<>();
        Map<String, String> out = new LinkedHashMap<>();
        double[] ramp = new double[states.length];
        long validUntil = now + REFRESH_MILLIS;
        long retryAt = Long.MAX_VALUE;
        for (RegionState s : r) {
            ramp[s.index] = 1.0;
            CircuitBreaker.State st = s.breaker.getState();
            boolean open = st == CircuitBreaker.State.OPEN || st == CircuitBreaker.State.FORCED_OPEN;
            boolean openWaiting = open && now < s.openUntilMillis;
            boolean trial = open && !openWaiting || st == CircuitBreaker.State.HALF_OPEN;
            boolean unhealthy = s.health == RegionHealth.UNHEALTHY;
            boolean in = !unhealthy && st == CircuitBreaker.State.CLOSED;
            if (in && s.wasOut) {
                long firstPass = s.firstPassAtMillis;
                s.recoveredAtMillis = s.skipDwell ? Long.MIN_VALUE
                    : firstPass != Long.MIN_VALUE ? Math.min(now, firstPass) : now;
                s.firstPassAtMillis = Long.MIN_VALUE;
            }
            if (in) {
                s.skipDwell = false;
            }
            s.wasOut = !in;
            if (openWaiting) {
                out.put(s.name(), "circuit open until " + Instant.ofEpochMilli(s.openUntilMillis));
                validUntil = Math.min(validUntil, s.openUntilMillis);
                continue;
            }
            if (unhealthy) {
                out.put(s.name(), "unhealthy: " + s.healthReason);
                continue;
            }
            if (now < s.throttledUntilMillis) {
                out.put(s.name(), "throttled until " + Instant.ofEpochMilli(s.throttledUntilMillis)
                    + " (429 or Retry-After)");
                retryAt = Math.min(retryAt, s.throttledUntilMillis);
                validUntil = Math.min(validUntil, s.throttledUntilMillis);
                throttled.add(s);
                continue;
            }
            if (trial) {
                (probes.isEnabled() ? tier2 : tier1).add(s);
                continue;
            }
            if (s.recoveredAtMillis != Long.MIN_VALUE) {
                long dwellEnd = s.recoveredAtMillis + dwellMillis;
                if (now < dwellEnd) {
                    tier2.add(s);
                    validUntil = Math.min(validUntil, dwellEnd);
                    continue;
                }
                if (now < dwellEnd + slowStartMillis) {
                    ramp[s.index] = RAMP_START + (1 - RAMP_START) * (now - dwellEnd) / (double) slowStartMillis;
                    validUntil = Math.min(validUntil, now + Math.max(50, slowStartMillis / 10));
                }
            }
            tier1.add(s);
        }
        if (strategy == RoutingStrategy.PRIORITY) {
            tier1.sort(Comparator.comparingInt(s -> s.region.priority()));
        }
        List<RegionState> pinned = new ArrayList<>();
        for (String p : pins) {
            RegionState s = byName.get(p);
            if (tier1.remove(s)) {
                pinned.add(s);
            }
        }
        List<RegionState> ordered = new ArrayList<>(pinned);
        ordered.addAll(tier1);
        ordered.addAll(tier2);
        Instant retry = retryAt == Long.MAX_VALUE ? null : Instant.ofEpochMilli(retryAt);

        RoutePlan[] plans;
        int[] cumulative;
        boolean isPanic = false;
        if (ordered.isEmpty()) {
            List<RegionState> all = new ArrayList<>();
            for (RegionState s : r) {
                if (!throttled.contains(s)) {
                    all.add(s);
                }
            }
            RoutePlan.Builder b = RoutePlan.builder().retryAt(retry);
            if (panic && !all.isEmpty()) {
                isPanic = true;
                for (RegionState s : throttled) {
                    b.unavailable(s.name(), out.get(s.name()));
                }
                b.regions(regionsOf(all)).panic(true).hedgeDelay(hedgeDelay(all.get(0)));
            } else {
                out.forEach(b::unavailable);
            }
            plans = new RoutePlan[] {b.build()};
            cumulative = new int[] {1};
        } else if (strategy == RoutingStrategy.WEIGHTED && pinned.isEmpty() && tier1.size() > 1) {
            plans = new RoutePlan[tier1.size()];
            cumulative = new int[tier1.size()];
            int total = 0;
            for (int i = 0; i < tier1.size(); i++) {
                RegionState first = tier1.get(i);
                List<RegionState> order = new ArrayList<>(ordered.size());
                order.add(first);
                for (RegionState s : ordered) {
                    if (s != first) {
                        order.add(s);
                    }
                }
                plans[i] = plan(order, out, retry);
                total += Math.max(1, (int) Math.round(first.region.weight() * ramp[first.index] * 100));
                cumulative[i] = total;
            }
        } else {
            RegionState first = ordered.get(0);
            double f = ramp[first.index];
            if (f < 1.0 && ordered.size() > 1 && !pinned.contains(first)) {
                List<RegionState> second = new ArrayList<>(ordered);
                Collections.swap(second, 0, 1);
                plans = new RoutePlan[] {plan(ordered, out, retry), plan(second, out, retry)};
                int a = Math.max(1, (int) Math.round(f * 1000));
                cumulative = new int[] {a, Math.max(a + 1, 1000)};
            } else {
                plans = new RoutePlan[] {plan(ordered, out, retry)};
                cumulative = new int[] {1};
            }
        }
        snapshot = new Snapshot(plans, cumulative, validUntil, isPanic, r.clone());
        if (lastKnownGood != null) {
            saveSoonIfChanged();
        }
    }

    private RoutePlan plan(List<RegionState> order, Map<String, String> out, Instant retry) {
        RoutePlan.Builder b = RoutePlan.builder().regions(regionsOf(order)).retryAt(retry)
            .hedgeDelay(hedgeDelay(order.get(0)));
        out.forEach(b::unavailable);
        return b.build();
    }

    private static List<Region> regionsOf(List<RegionState> states) {
        List<Region> out = new ArrayList<>(states.size());
        for (RegionState s : states) {
            out.add(s.region);
        }
        return out;
    }

    private Duration hedgeDelay(RegionState first) {
        Duration floor = context.failoverOptions().hedgeFloor();
        Duration ceiling = context.failoverOptions().hedgeCeiling();
        long p = first.percentile(hedgePercentile);
        if (p < 0) {
            return ceiling;
        }
        long n = Math.max(floor.toNanos(), Math.min(ceiling.toNanos(), p));
        return Duration.ofNanos(n);
    }

    // ------------------------------------------------------------------------------------------------ status

    /**
     * What the router knows about each region now.
     *
     * @return one status per region, in configuration order
     */
    @Override
    public List<RegionStatus> status() {
        long now = clock == null ? 0 : clock.millis();
        List<RegionStatus> out = new ArrayList<>(states.length);
        for (RegionState s : states) {
            CircuitBreaker.State st = s.breaker.getState();
            RegionHealth health = s.health;
            if (!probes.isEnabled() && (st == CircuitBreaker.State.OPEN || st == CircuitBreaker.State.FORCED_OPEN)) {
                health = RegionHealth.UNHEALTHY;
            }
            Duration latency = s.measured() ? Duration.ofNanos((long) s.score()) : null;
            Instant throttledUntil = now < s.throttledUntilMillis ? Instant.ofEpochMilli(s.throttledUntilMillis) : null;
            out.add(new RegionStatus(s.name(), health, map(st), latency, throttledUntil, weight(s, now),
                Math.max(0, s.inFlight.get())));
        }
        return out;
    }

    private double weight(RegionState s, long now) {
        if (s.health == RegionHealth.UNHEALTHY || s.breaker.getState() != CircuitBreaker.State.CLOSED) {
            return 0.0;
        }
        if (s.recoveredAtMillis == Long.MIN_VALUE) {
            return 1.0;
        }
        long dwellEnd = s.recoveredAtMillis + dwellMillis;
        if (now < dwellEnd) {
            return 0.0;
        }
        if (slowStartMillis == 0 || now >= dwellEnd + slowStartMillis) {
            return 1.0;
        }
        return RAMP_START + (1 - RAMP_START) * (now - dwellEnd) / (double) slowStartMillis;
    }

    @Override
    public String toString() {
        return "NearestRegionRouter{strategy=" + strategy + ", probes=" + probes + ", breaker=" + breakerOptions
            + ", hysteresis=" + hysteresisRatio + '/' + Duration.ofNanos(hysteresisMinNanos).toMillis() + " ms"
            + ", failbackDwell=" + Duration.ofMillis(dwellMillis) + ", slowStart=" + Duration.ofMillis(slowStartMillis)
            + ", pins=" + pins + ", limits=" + limits + ", panic=" + panic
            + (lastKnownGood == null ? "" : ", lastKnownGood=" + lastKnownGood) + '}';
    }

    // ------------------------------------------------------------------------------------------------ last known good

    private void loadLastKnownGood() {
        if (lastKnownGood == null) {
            return;
        }
        LastKnownGood lkg = LastKnownGood.read(lastKnownGood);
        if (lkg == null) {
            return;
        }
        Instant now = clock.instant();
        if (lkg.savedAt.isBefore(now.minus(lastKnownGoodMaxAge))) {
            LOGGER.atInfo().addKeyValue("file", String.valueOf(lastKnownGood)).addKeyValue("savedAt", String.valueOf(lkg.savedAt))
                .log("last-known-good file is too old; ignored");
            return;
        }
        lkg.latencyMillis.forEach((name, ms) -> {
            RegionState s = byName.get(name);
            if (s != null) {
                s.seedLatency(ms * 1_000_000);
            }
        });
        List<RegionState> ordered = new ArrayList<>();
        for (String name : lkg.rank) {
            RegionState s = byName.get(name);
            if (s != null && !ordered.contains(s)) {
                ordered.add(s);
            }
        }
        for (RegionState s : rank) {
            if (!ordered.contains(s)) {
                ordered.add(s);
            }
        }
        this.rank = ordered.toArray(new RegionState[0]);
        for (String name : lkg.down) {
            RegionState s = byName.get(name);
            if (s == null) {
                continue;
            }
            if (probes.isEnabled()) {
                s.health = RegionHealth.UNHEALTHY;
                s.healthReason = "down when last seen (last-known-good of " + lkg.savedAt + "), until a probe passes";
                s.probeSuccesses = Math.max(0, probes.healthyThreshold() - 1);
            } else {
                transition(s, CircuitBreaker.State.OPEN);
            }
            s.wasOut = true;
        }
        lastSavedRanking = null;
        LOGGER.atInfo().addKeyValue("file", String.valueOf(lastKnownGood)).addKeyValue("rank", String.valueOf(lkg.rank)).addKeyValue("down", String.valueOf(lkg.down))
            .log("restored last-known-good routing state");
    }

    private LastKnownGood currentLastKnownGood() {
        List<String> names = new ArrayList<>();
        Set<String> down = new LinkedHashSet<>();
        Map<String, Double> latency = new LinkedHashMap<>();
        for (RegionState s : rank) {
            names.add(s.name());
            CircuitBreaker.State st = s.breaker.getState();
            if (s.health == RegionHealth.UNHEALTHY || st == CircuitBreaker.State.OPEN) {
                down.add(s.name());
            }
            if (s.measured()) {
                latency.put(s.name(), s.score() / 1_000_000.0);
            }
        }
        if (linkDown) {
            down.clear(); // the branch's link, not the regions, was down: nothing to remember
        }
        return new LastKnownGood(clock.instant(), names, down, latency);
    }

    /** Holds {@link #lock}. */
    private void saveSoonIfChanged() {
        if (closed || saveTask != null) {
            return;
        }
        String ranking = currentLastKnownGood().ranking();
        if (ranking.equals(lastSavedRanking)) {
            return;
        }
        try {
            saveTask = context.scheduler().schedule(() -> {
                lock.lock();
                try {
                    saveTask = null;
                    if (!closed) {
                        saveNow();
                    }
                } finally {
                    lock.unlock();
                }
            }, SAVE_DEBOUNCE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            saveTask = null;
        }
    }

    /** Holds {@link #lock}. */
    private void saveNow() {
        LastKnownGood lkg = currentLastKnownGood();
        try {
            lkg.write(lastKnownGood);
            lastSavedRanking = lkg.ranking();
        } catch (IOException | RuntimeException e) {
            LOGGER.atWarning().addKeyValue("file", String.valueOf(lastKnownGood)).log("cannot write the last-known-good file: "
                + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------ test hooks

    /** Saves the last-known-good file now. For tests. */
    void saveLastKnownGoodNow() {
        lock.lock();
        try {
            saveNow();
        } finally {
            lock.unlock();
        }
    }

    /** Observes every probe result applied. For tests. */
    void probeObserver(Consumer<ProbeResult> observer) {
        this.probeObserver = observer;
    }

    boolean isLinkDown() {
        return linkDown;
    }

    int linkDownEpisodes() {
        return linkDownEpisodes.get();
    }

    long lastOpenMillis(String region) {
        return byName.get(region).lastOpenMillis;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    boolean probesScheduled() {
        for (RegionState s : states) {
            ScheduledFuture<?> f = s.probeTask;
            if (f != null && !f.isDone()) {
                return true;
            }
        }
        return false;
    }

    /** The failure recorded by the breakers; carries no stack trace. */
    static final class RegionFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RegionFailure() {
            super("region failure", null, false, false);
        }
    }

    // ------------------------------------------------------------------------------------------------ builder

    /**
     * Builds a {@link NearestRegionRouter}. Not thread-safe; every router it builds is independent.
     */
    public static final class Builder {
        private RoutingStrategy strategy = RoutingStrategy.NEAREST;
        private HealthProbeOptions probes = HealthProbeOptions.DEFAULT;
        private BreakerOptions breaker = BreakerOptions.DEFAULT;
        private double hysteresisRatio = DEFAULT_HYSTERESIS_RATIO;
        private Duration hysteresisMin = DEFAULT_HYSTERESIS_MIN;
        private Duration failbackDwell = DEFAULT_FAILBACK_DWELL;
        private Duration slowStart = DEFAULT_SLOW_START;
        private double hedgePercentile = DEFAULT_HEDGE_PERCENTILE;
        private final List<String> pins = new ArrayList<>();
        private final Map<String, Integer> limits = new LinkedHashMap<>();
        private boolean panic = true;
        private Path lastKnownGood;
        private Duration lastKnownGoodMaxAge = DEFAULT_LAST_KNOWN_GOOD_MAX_AGE;
        private Duration linkDownWindow = DEFAULT_LINK_DOWN_WINDOW;
        private boolean scheduleProbes = true;

        private Builder() {
        }

        /** For tests: no background probes; the test calls {@code probeNow()} instead. */
        Builder manualProbes() {
            this.scheduleProbes = false;
            return this;
        }

        /**
         * Sets how available regions are ordered; default {@link RoutingStrategy#NEAREST}.
         *
         * @param strategy the strategy
         * @return this builder
         */
        public Builder strategy(RoutingStrategy strategy) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /**
         * Sets the background health probes; default {@link HealthProbeOptions#DEFAULT}.
         *
         * @param probes the probe options, or {@link HealthProbeOptions#disabled()}
         * @return this builder
         */
        public Builder healthProbe(HealthProbeOptions probes) {
            this.probes = Objects.requireNonNull(probes, "probes");
            return this;
        }

        /**
         * Sets the circuit breaker of every region; default {@link BreakerOptions#DEFAULT}.
         *
         * @param breaker the breaker options
         * @return this builder
         */
        public Builder breaker(BreakerOptions breaker) {
            this.breaker = Objects.requireNonNull(breaker, "breaker");
            return this;
        }

        /**
         * Sets the hysteresis of nearest routing: a region takes the lead only when it is faster than the current
         * leader by both margins, so that near-equal regions never flap. Default
         * {@value NearestRegionRouter#DEFAULT_HYSTERESIS_RATIO} and 5 ms.
         *
         * @param ratio the relative margin, from 0.0 to 0.9
         * @param minimum the absolute margin, zero or more
         * @return this builder
         */
        public Builder hysteresis(double ratio, Duration minimum) {
            Objects.requireNonNull(minimum, "minimum");
            if (!(ratio >= 0.0 && ratio <= 0.9)) {
                throw new IllegalArgumentException("hysteresis ratio must be from 0.0 to 0.9, was " + ratio);
            }
            if (minimum.isNegative()) {
                throw new IllegalArgumentException("hysteresis minimum must not be negative, was " + minimum);
            }
            this.hysteresisRatio = ratio;
            this.hysteresisMin = minimum;
            return this;
        }

        /**
         * Sets how long a region that was out (unhealthy or circuit open) must stay healthy before it gets traffic
         * back; meanwhile it is only a last resort. Default 10 seconds.
         *
         * @param dwell zero or more
         * @return this builder
         */
        public Builder failbackDwell(Duration dwell) {
            this.failbackDwell = notNegative(dwell, "failbackDwell");
            return this;
        }

        /**
         * Sets the time over which a recovered region's share of traffic ramps from 10 % to 100 % after the dwell;
         * zero sends all its traffic back at once. Default 10 seconds.
         *
         * @param slowStart zero or more
         * @return this builder
         */
        public Builder slowStart(Duration slowStart) {
            this.slowStart = notNegative(slowStart, "slowStart");
            return this;
        }

        /**
         * Sets the latency percentile of the first region that becomes the plan's hedge delay, within the client's
         * hedge floor and ceiling ({@code FailoverOptions.hedgeDelayBounds}). Default
         * {@value NearestRegionRouter#DEFAULT_HEDGE_PERCENTILE}.
         *
         * @param percentile from 0.5 to 1.0
         * @return this builder
         */
        public Builder hedgeDelayPercentile(double percentile) {
            if (!(percentile >= 0.5 && percentile <= 1.0)) {
                throw new IllegalArgumentException("hedge delay percentile must be from 0.5 to 1.0, was " + percentile);
            }
            this.hedgePercentile = percentile;
            return this;
        }

        /**
         * Pins regions: while available they come first, in the order given, whatever their latency.
         *
         * @param regions region names
         * @return this builder
         */
        public Builder pin(String... regions) {
            for (String r : Objects.requireNonNull(regions, "regions")) {
                Objects.requireNonNull(r, "region");
                if (!pins.contains(r)) {
                    pins.add(r);
                }
            }
            return this;
        }

        /**
         * Limits the attempts in flight to one region (an on-prem host, say): beyond the limit calls spill over to
         * the next region at once instead of queueing.
         *
         * @param region the region's name
         * @param maxConcurrent from 1 to 100000
         * @return this builder
         */
        public Builder concurrencyLimit(String region, int maxConcurrent) {
            Objects.requireNonNull(region, "region");
            if (maxConcurrent < 1 || maxConcurrent > 100_000) {
                throw new IllegalArgumentException("concurrency limit of region '" + region
                    + "' must be from 1 to 100000, was " + maxConcurrent);
            }
            limits.put(region, maxConcurrent);
            return this;
        }

        /**
         * Sets whether, when every region is out, the plan tries them all in order anyway (default {@code true});
         * with {@code false} such calls fail at once with {@code NoRegionAvailableException}.
         *
         * @param panic whether to try every region when all are out
         * @return this builder
         */
        public Builder panic(boolean panic) {
            this.panic = panic;
            return this;
        }

        /**
         * Keeps the latency ranking and the regions known down in this file across restarts, so that a restart
         * during an outage does not first call the dead region. Written atomically, owner-only, a second after a
         * change and on close.
         *
         * @param file the file; its directory is created when missing
         * @return this builder
         */
        public Builder lastKnownGood(Path file) {
            this.lastKnownGood = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * Sets the age beyond which a last-known-good file is ignored; default 24 hours.
         *
         * @param maxAge a positive duration
         * @return this builder
         */
        public Builder lastKnownGoodMaxAge(Duration maxAge) {
            Objects.requireNonNull(maxAge, "maxAge");
            if (maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("lastKnownGoodMaxAge must be positive, was " + maxAge);
            }
            this.lastKnownGoodMaxAge = maxAge;
            return this;
        }

        /**
         * Sets the window within which every region must refuse connections for the router to blame the branch's
         * own link; default 5 seconds.
         *
         * @param window a positive duration
         * @return this builder
         */
        public Builder linkDownWindow(Duration window) {
            Objects.requireNonNull(window, "window");
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("linkDownWindow must be positive, was " + window);
            }
            this.linkDownWindow = window;
            return this;
        }

        /**
         * Builds the router.
         *
         * @return a new router, for one client
         */
        public NearestRegionRouter build() {
            return new NearestRegionRouter(this);
        }

        private static Duration notNegative(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, was " + d);
            }
            return d;
        }
    }
}
