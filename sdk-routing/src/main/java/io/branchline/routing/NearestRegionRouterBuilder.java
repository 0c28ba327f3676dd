package io.branchline.routing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a {@link NearestRegionRouter}; start one with {@link NearestRegionRouter#builder()}. Not thread-safe; every
 * router it builds is independent.
 */
public final class NearestRegionRouterBuilder {
    private RoutingStrategy strategy = RoutingStrategy.NEAREST;
    private HealthProbeOptions probes = HealthProbeOptions.DEFAULT;
    private BreakerOptions breaker = BreakerOptions.DEFAULT;
    private double hysteresisRatio = NearestRegionRouter.DEFAULT_HYSTERESIS_RATIO;
    private Duration hysteresisMin = NearestRegionRouter.DEFAULT_HYSTERESIS_MIN;
    private Duration failbackDwell = NearestRegionRouter.DEFAULT_FAILBACK_DWELL;
    private Duration slowStart = NearestRegionRouter.DEFAULT_SLOW_START;
    private double hedgePercentile = NearestRegionRouter.DEFAULT_HEDGE_PERCENTILE;
    private final List<String> pins = new ArrayList<>();
    private final Map<String, Integer> limits = new LinkedHashMap<>();
    private boolean panic = true;
    private Path lastKnownGood;
    private Duration lastKnownGoodMaxAge = NearestRegionRouter.DEFAULT_LAST_KNOWN_GOOD_MAX_AGE;
    private Duration linkDownWindow = NearestRegionRouter.DEFAULT_LINK_DOWN_WINDOW;
    private boolean scheduleProbes = true;
    private String branchId = ControlSettings.defaultBranchId();
    private final List<ControlSource> controlSources = new ArrayList<>();
    private Path lastGoodControl;

    NearestRegionRouterBuilder() {
    }

    /** A builder holding a built router's settings. */
    static NearestRegionRouterBuilder of(RouterConfig c) {
        NearestRegionRouterBuilder b = new NearestRegionRouterBuilder();
        b.strategy = c.strategy;
        b.probes = c.probes;
        b.breaker = c.breaker;
        b.hysteresisRatio = c.hysteresisRatio;
        b.hysteresisMin = Duration.ofNanos(c.hysteresisMinNanos);
        b.failbackDwell = Duration.ofMillis(c.dwellMillis);
        b.slowStart = Duration.ofMillis(c.slowStartMillis);
        b.hedgePercentile = c.hedgePercentile;
        b.pins.addAll(c.pins);
        b.limits.putAll(c.limits);
        b.panic = c.panic;
        b.lastKnownGood = c.lastKnownGood;
        b.lastKnownGoodMaxAge = c.lastKnownGoodMaxAge;
        b.linkDownWindow = c.linkDownWindow;
        b.branchId = c.branchId;
        return b;
    }

    /** For tests: no background probes; the test calls {@code probeNow()} instead. */
    NearestRegionRouterBuilder manualProbes() {
        this.scheduleProbes = false;
        return this;
    }

    /**
     * Sets how available regions are ordered; default {@link RoutingStrategy#NEAREST}.
     *
     * @param strategy the strategy
     * @return this builder
     */
    public NearestRegionRouterBuilder strategy(RoutingStrategy strategy) {
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        return this;
    }

    /**
     * Sets the background health probes; default {@link HealthProbeOptions#DEFAULT}.
     *
     * @param probes the probe options, or {@link HealthProbeOptions#disabled()}
     * @return this builder
     */
    public NearestRegionRouterBuilder healthProbe(HealthProbeOptions probes) {
        this.probes = Objects.requireNonNull(probes, "probes");
        return this;
    }

    /**
     * Sets the circuit breaker of every region; default {@link BreakerOptions#DEFAULT}.
     *
     * @param breaker the breaker options
     * @return this builder
     */
    public NearestRegionRouterBuilder breaker(BreakerOptions breaker) {
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
    public NearestRegionRouterBuilder hysteresis(double ratio, Duration minimum) {
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
    public NearestRegionRouterBuilder failbackDwell(Duration dwell) {
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
    public NearestRegionRouterBuilder slowStart(Duration slowStart) {
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
    public NearestRegionRouterBuilder hedgeDelayPercentile(double percentile) {
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
    public NearestRegionRouterBuilder pin(String... regions) {
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
    public NearestRegionRouterBuilder concurrencyLimit(String region, int maxConcurrent) {
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
    public NearestRegionRouterBuilder panic(boolean panic) {
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
    public NearestRegionRouterBuilder lastKnownGood(Path file) {
        this.lastKnownGood = Objects.requireNonNull(file, "file");
        return this;
    }

    /**
     * Sets the age beyond which a last-known-good file is ignored; default 24 hours.
     *
     * @param maxAge a positive duration
     * @return this builder
     */
    public NearestRegionRouterBuilder lastKnownGoodMaxAge(Duration maxAge) {
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
    public NearestRegionRouterBuilder linkDownWindow(Duration window) {
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("linkDownWindow must be positive, was " + window);
        }
        this.linkDownWindow = window;
        return this;
    }

    /**
     * Adds a source of run-time control: an operator's drains, pins, weights, limits, hedging switch, attempt limit,
     * probe interval and canary, applied to the next route plan while the client runs (see the README's "Fleet
     * control"). With several sources, a setting given by a later one wins.
     *
     * @param source such as {@link ControlSource#file(Path)} or {@link AppConfigurationControl#builder()}
     * @return this builder
     */
    public NearestRegionRouterBuilder control(ControlSource source) {
        controlSources.add(Objects.requireNonNull(source, "source"));
        return this;
    }

    /**
     * Sets this branch's id: a canary decided per branch ({@code canary.by=branch}) takes the branch when a stable
     * hash of the id falls within the canary's share; default: the host name.
     *
     * @param id the branch's id, such as {@code branch-042}
     * @return this builder
     */
    public NearestRegionRouterBuilder branchId(String id) {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("branchId must not be blank");
        }
        this.branchId = id.trim();
        return this;
    }

    /**
     * Sets the file keeping the last good control across restarts, so that a branch restarted while its control
     * source is unreachable keeps the drains and canary in force; default: beside the last-known-good file
     * ({@code <file>.control}), none without one.
     *
     * @param file the file
     * @return this builder
     */
    public NearestRegionRouterBuilder lastGoodControl(Path file) {
        this.lastGoodControl = Objects.requireNonNull(file, "file");
        return this;
    }

    /**
     * Builds the router.
     *
     * @return a new router, for one client
     */
    public NearestRegionRouter build() {
        return new NearestRegionRouter(config(), List.copyOf(controlSources), lastGoodControlFile());
    }

    private Path lastGoodControlFile() {
        if (lastGoodControl != null) {
            return lastGoodControl;
        }
        return lastKnownGood == null ? null : lastKnownGood.resolveSibling(lastKnownGood.getFileName() + ".control");
    }

    RouterConfig config() {
        return new RouterConfig(strategy, probes, breaker, hysteresisRatio, hysteresisMin, failbackDwell, slowStart,
            hedgePercentile, pins, limits, panic, lastKnownGood, lastKnownGoodMaxAge, linkDownWindow, scheduleProbes,
            branchId);
    }

    private static Duration notNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
        return d;
    }
}
