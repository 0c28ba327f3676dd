package io.branchline.routing;

import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.Region;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything a {@link NearestRegionRouter} was built with, frozen, overlaid with the operator's run-time
 * {@link Control} ({@link #withControl}): a control change makes a new config that the router swaps in at once and
 * the next plan rebuild compiles. Immutable: safe to read from any thread.
 */
final class RouterConfig {
    private static final ClientLogger LOGGER = new ClientLogger(RouterConfig.class);

    final RoutingStrategy strategy;
    final HealthProbeOptions probes;
    final BreakerOptions breaker;
    final double hysteresisRatio;
    final long hysteresisMinNanos;
    final long dwellMillis;
    final long slowStartMillis;
    final double hedgePercentile;
    final List<String> pins;
    final Map<String, Integer> limits;
    final boolean panic;
    final Path lastKnownGood;
    final Duration lastKnownGoodMaxAge;
    final Duration linkDownWindow;
    /** False only in tests, which drive probes by hand; see {@code NearestRegionRouterBuilder.manualProbes()}. */
    final boolean backgroundProbes;
    /** The run-time control overlaid ({@link Control#NONE} as built). */
    final Control control;
    /** This branch's id, for a canary decided per branch. */
    final String branchId;

    RouterConfig(RoutingStrategy strategy, HealthProbeOptions probes, BreakerOptions breaker, double hysteresisRatio,
        Duration hysteresisMin, Duration failbackDwell, Duration slowStart, double hedgePercentile, List<String> pins,
        Map<String, Integer> limits, boolean panic, Path lastKnownGood, Duration lastKnownGoodMaxAge,
        Duration linkDownWindow, boolean backgroundProbes, String branchId) {
        this.strategy = strategy;
        this.probes = probes;
        this.breaker = breaker;
        this.hysteresisRatio = hysteresisRatio;
        this.hysteresisMinNanos = hysteresisMin.toNanos();
        this.dwellMillis = failbackDwell.toMillis();
        this.slowStartMillis = slowStart.toMillis();
        this.hedgePercentile = hedgePercentile;
        this.pins = List.copyOf(pins);
        this.limits = Collections.unmodifiableMap(new LinkedHashMap<>(limits));
        this.panic = panic;
        this.lastKnownGood = lastKnownGood;
        this.lastKnownGoodMaxAge = lastKnownGoodMaxAge;
        this.linkDownWindow = linkDownWindow;
        this.backgroundProbes = backgroundProbes;
        this.control = Control.NONE;
        this.branchId = branchId;
    }

    /** {@code base} with a control overlaid: its pins, limits and probe interval replace the built ones. */
    private RouterConfig(RouterConfig base, Control c) {
        this.strategy = base.strategy;
        this.probes = c.probeInterval == null || !base.probes.isEnabled() ? base.probes
            : base.probes.toBuilder().interval(c.probeInterval).build();
        this.breaker = base.breaker;
        this.hysteresisRatio = base.hysteresisRatio;
        this.hysteresisMinNanos = base.hysteresisMinNanos;
        this.dwellMillis = base.dwellMillis;
        this.slowStartMillis = base.slowStartMillis;
        this.hedgePercentile = base.hedgePercentile;
        this.pins = c.pins != null ? c.pins : base.pins;
        Map<String, Integer> l = new LinkedHashMap<>(base.limits);
        l.putAll(c.limits);
        this.limits = Collections.unmodifiableMap(l);
        this.panic = base.panic;
        this.lastKnownGood = base.lastKnownGood;
        this.lastKnownGoodMaxAge = base.lastKnownGoodMaxAge;
        this.linkDownWindow = base.linkDownWindow;
        this.backgroundProbes = base.backgroundProbes;
        this.control = c;
        this.branchId = base.branchId;
    }

    /** This (built) config with the operator's control overlaid. */
    RouterConfig withControl(Control c) {
        return new RouterConfig(this, c);
    }

    /** A region's weight for weighted routing: the control's, else the region's own. */
    int weight(Region r) {
        Integer w = control.weights.get(r.name());
        return w != null ? w : r.weight();
    }

    /** Fails when a pinned or limited region is not among the client's regions. */
    void checkRegions(List<Region> regions) {
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
    }

    boolean probing() {
        return probes.isEnabled();
    }

    @Override
    public String toString() {
        return "NearestRegionRouter{strategy=" + strategy + ", probes=" + probes + ", breaker=" + breaker
            + ", hysteresis=" + hysteresisRatio + '/' + Duration.ofNanos(hysteresisMinNanos).toMillis() + " ms"
            + ", failbackDwell=" + Duration.ofMillis(dwellMillis) + ", slowStart=" + Duration.ofMillis(slowStartMillis)
            + ", pins=" + pins + ", limits=" + limits + ", panic=" + panic
            + (lastKnownGood == null ? "" : ", lastKnownGood=" + lastKnownGood) + '}';
    }
}
