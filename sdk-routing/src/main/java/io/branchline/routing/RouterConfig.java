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
 * Everything a {@link NearestRegionRouter} was built with, frozen. Immutable: safe to read from any thread.
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

    RouterConfig(RoutingStrategy strategy, HealthProbeOptions probes, BreakerOptions breaker, double hysteresisRatio,
        Duration hysteresisMin, Duration failbackDwell, Duration slowStart, double hedgePercentile, List<String> pins,
        Map<String, Integer> limits, boolean panic, Path lastKnownGood, Duration lastKnownGoodMaxAge,
        Duration linkDownWindow, boolean backgroundProbes) {
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
