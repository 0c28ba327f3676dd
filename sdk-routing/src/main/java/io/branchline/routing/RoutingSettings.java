package io.branchline.routing;

import io.branchline.core.spi.Setting;
import io.branchline.core.spi.SettingSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The {@code branchline.routing.*} settings, each declared once, read from properties or the same settings as
 * {@code BRANCHLINE_ROUTING_*} environment variables (the property name upper-cased, dots and dashes turned into
 * underscores) into a {@link NearestRegionRouterBuilder}. Every malformed setting fails with a message naming it,
 * its value and the expected form.
 */
final class RoutingSettings {
    static final String PREFIX = "branchline.routing.";
    static final String LIMIT_PREFIX = PREFIX + "concurrency-limit.";

    static final Setting<String> STRATEGY = Setting.choice(PREFIX + "strategy", "nearest", "priority", "weighted")
        .defaultValue(RoutingStrategy.NEAREST.name().toLowerCase(Locale.ROOT))
        .meaning("How available regions are ordered: nearest, priority or weighted").build();
    static final Setting<Boolean> PROBE_ENABLED = Setting.bool(PREFIX + "probe.enabled").defaultValue(true)
        .meaning("Send background health probes; false learns health from calls only").build();
    static final Setting<String> PROBE_PATH = Setting.text(PREFIX + "probe.path",
            "an absolute path without query, e.g. /api/health", RoutingSettings::probePath)
        .defaultValue(HealthProbeOptions.DEFAULT_PATH).meaning("Path probed in every region, e.g. /admin/host/ping").build();
    static final Setting<String> PROBE_METHOD = Setting.choice(PREFIX + "probe.method", HealthProbeOptions.METHODS.toArray(new String[0]))
        .defaultValue(HealthProbeOptions.DEFAULT_METHOD).meaning("HTTP method of the probes: GET, HEAD or OPTIONS").build();
    static final Setting<Duration> PROBE_INTERVAL = Setting.duration(PREFIX + "probe.interval", Duration.ofMillis(10), Duration.ofHours(1))
        .defaultValue(HealthProbeOptions.DEFAULT_INTERVAL)
        .meaning("Time between two probes of one region (at least 10ms), with jitter").build();
    static final Setting<Duration> PROBE_UNHEALTHY_INTERVAL = Setting.duration(PREFIX + "probe.unhealthy-interval",
            Duration.ofMillis(10), Duration.ofHours(1))
        .defaultValue(HealthProbeOptions.DEFAULT_UNHEALTHY_INTERVAL)
        .meaning("Time between two probes of a region that is out (unhealthy or circuit open), so its return is seen soon; at most the interval").build();
    static final Setting<Duration> PROBE_TIMEOUT = Setting.duration(PREFIX + "probe.timeout", Duration.ofMillis(1), Duration.ofMinutes(10))
        .defaultValue(HealthProbeOptions.DEFAULT_TIMEOUT).meaning("Time a probe may take before it counts as failed").build();
    static final Setting<Integer> CONSECUTIVE_FAILURES = Setting.integer(PREFIX + "breaker.consecutive-failures", 1, 1000)
        .defaultValue(BreakerOptions.DEFAULT_CONSECUTIVE_FAILURES)
        .meaning("Failures in a row that open a region's circuit (1-1000)").build();
    static final Setting<Duration> OPEN_TIME = Setting.duration(PREFIX + "breaker.open-time", Duration.ofMillis(1), Duration.ofHours(24))
        .defaultValue(BreakerOptions.DEFAULT_OPEN_TIME)
        .meaning("First open time of a circuit; doubles on repeated trips up to 2m (or this)").build();
    static final Setting<Duration> FAILBACK_DWELL = Setting.duration(PREFIX + "failback-dwell", Duration.ZERO, Duration.ofHours(24))
        .defaultValue(NearestRegionRouter.DEFAULT_FAILBACK_DWELL)
        .meaning("Time a recovered region must stay healthy before it gets traffic back (0 for none)").build();
    static final Setting<Duration> SLOW_START = Setting.duration(PREFIX + "slow-start", Duration.ZERO, Duration.ofHours(24))
        .defaultValue(NearestRegionRouter.DEFAULT_SLOW_START)
        .meaning("Time over which a recovered region's share ramps up to 100 % (0 for at once)").build();
    static final Setting<List<String>> PIN = Setting.text(PREFIX + "pin", "region names separated by commas, e.g. onprem,westeurope",
            RoutingSettings::regionList)
        .meaning("Regions that come first while available, in this order, separated by commas").build();
    static final Setting<Map<String, Integer>> LIMITS = Setting.text(PREFIX + "concurrency-limits",
            "region=limit pairs separated by commas, each limit from 1 to 100000, e.g. onprem=32,westeurope=100",
            RoutingSettings::limitList)
        .meaning("Concurrency limits as region=limit pairs separated by commas, e.g. onprem=32,westeurope=100").build();
    static final Setting<Integer> LIMIT = Setting.integer(LIMIT_PREFIX + "<region>", 1, 100_000).environmentName(null)
        .meaning("Concurrency limit of one region (1-100000); properties only, use concurrency-limits in the environment")
        .build();
    static final Setting<Boolean> PANIC = Setting.bool(PREFIX + "panic").defaultValue(true)
        .meaning("When every region is out, try them all anyway; false fails at once").build();
    static final Setting<Path> LAST_KNOWN_GOOD = Setting.path(PREFIX + "last-known-good")
        .meaning("File keeping the ranking and the regions known down across restarts").build();

    /** Every setting, in the order the README documents them. */
    static final List<Setting<?>> DEFS = List.of(STRATEGY, PROBE_ENABLED, PROBE_PATH, PROBE_METHOD, PROBE_INTERVAL,
        PROBE_UNHEALTHY_INTERVAL,
        PROBE_TIMEOUT, CONSECUTIVE_FAILURES, OPEN_TIME, FAILBACK_DWELL, SLOW_START, PIN, LIMITS, LIMIT, PANIC,
        LAST_KNOWN_GOOD);

    private final SettingSource values;
    /** The regions whose per-region limits are read: those named in the source (properties), or the client's. */
    private final List<String> limitRegions;

    RoutingSettings(SettingSource values, List<String> limitRegions) {
        this.values = values;
        this.limitRegions = limitRegions;
    }

    static RoutingSettings fromProperties(Properties p) {
        SettingSource source = SettingSource.fromProperties(p);
        List<String> regions = new ArrayList<>(new TreeMap<>(regionsNamed(source)).keySet());
        return new RoutingSettings(source, regions);
    }

    static RoutingSettings fromEnvironment(Map<String, String> env) {
        String perRegion = Setting.environmentName(LIMIT_PREFIX);
        for (String name : env.keySet()) {
            if (name.startsWith(perRegion)) {
                throw new IllegalArgumentException("Environment variable " + name + " is not read: region names cannot"
                    + " be recovered from variable names; set " + LIMITS.environmentName() + "=<region>=<limit>,..."
                    + " instead, e.g. " + LIMITS.environmentName() + "=onprem=32,westeurope=100");
            }
        }
        return new RoutingSettings(SettingSource.fromEnvironment(env), List.of());
    }

    /** The regions named by {@code branchline.routing.concurrency-limit.<region>} properties. */
    private static Map<String, String> regionsNamed(SettingSource source) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : source.names()) {
            String region = LIMIT.regionOf(name);
            if (region != null) {
                out.put(region, name);
            }
        }
        return out;
    }

    /** As {@link #toBuilder()}, with the {@code branchline.control.*} settings (sources without a client's HTTP). */
    NearestRegionRouterBuilder toBuilderWithControl() {
        NearestRegionRouterBuilder b = toBuilder();
        ControlSettings.applyTo(b, values, null);
        return b;
    }

    /** Fills a new builder with every setting present; absent settings keep the builder's defaults. */
    NearestRegionRouterBuilder toBuilder() {
        NearestRegionRouterBuilder b = NearestRegionRouter.builder();
        String strategy = values.get(STRATEGY);
        if (strategy != null) {
            b.strategy(RoutingStrategy.valueOf(strategy.toUpperCase(Locale.ROOT)));
        }
        HealthProbeOptions probes = probes();
        if (probes != null) {
            b.healthProbe(probes);
        }
        Integer failures = values.get(CONSECUTIVE_FAILURES);
        Duration openTime = values.get(OPEN_TIME);
        if (failures != null || openTime != null) {
            BreakerOptions.Builder breaker = BreakerOptions.builder();
            if (failures != null) {
                breaker.consecutiveFailures(failures);
            }
            if (openTime != null) {
                breaker.openTime(openTime);
                if (openTime.compareTo(BreakerOptions.DEFAULT_MAX_OPEN_TIME) > 0) {
                    breaker.maxOpenTime(openTime); // a long first open time simply stops growing
                }
            }
            b.breaker(breaker.build());
        }
        Duration d;
        if ((d = values.get(FAILBACK_DWELL)) != null) {
            b.failbackDwell(d);
        }
        if ((d = values.get(SLOW_START)) != null) {
            b.slowStart(d);
        }
        List<String> pin = values.get(PIN);
        if (pin != null) {
            b.pin(pin.toArray(new String[0]));
        }
        limits().forEach(b::concurrencyLimit);
        Boolean panic = values.get(PANIC);
        if (panic != null) {
            b.panic(panic);
        }
        Path lastKnownGood = values.get(LAST_KNOWN_GOOD);
        if (lastKnownGood != null) {
            b.lastKnownGood(lastKnownGood);
        }
        return b;
    }

    private HealthProbeOptions probes() {
        Boolean enabled = values.get(PROBE_ENABLED);
        String path = values.get(PROBE_PATH);
        String method = values.get(PROBE_METHOD);
        Duration interval = values.get(PROBE_INTERVAL);
        Duration unhealthyInterval = values.get(PROBE_UNHEALTHY_INTERVAL);
        Duration timeout = values.get(PROBE_TIMEOUT);
        if (Boolean.FALSE.equals(enabled)) {
            return HealthProbeOptions.disabled();
        }
        if (path == null && method == null && interval == null && unhealthyInterval == null && timeout == null) {
            return null;
        }
        HealthProbeOptions.Builder p = HealthProbeOptions.builder();
        if (path != null) {
            p.path(path);
        }
        if (method != null) {
            p.method(method);
        }
        if (interval != null) {
            p.interval(interval);
        }
        if (unhealthyInterval != null) {
            p.unhealthyInterval(unhealthyInterval);
        }
        if (timeout != null) {
            p.timeout(timeout);
        }
        return p.build();
    }

    /** Both forms of concurrency limits, in the order given; a region given twice is an error. */
    private Map<String, Integer> limits() {
        Map<String, Integer> out = new LinkedHashMap<>();
        Map<String, Integer> list = values.get(LIMITS);
        if (list != null) {
            out.putAll(list);
        }
        for (String region : limitRegions) {
            Integer n = values.get(LIMIT, region);
            if (n != null && out.put(region, n) != null) {
                throw new IllegalArgumentException("Setting " + LIMIT.nameFor(region) + " limits region '" + region
                    + "', which " + LIMITS.name() + " limits too: give each region's limit once");
            }
        }
        return out;
    }

    private static String probePath(String path) {
        if (!path.startsWith("/") || path.indexOf('?') >= 0 || path.indexOf('#') >= 0) {
            throw new IllegalArgumentException();
        }
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) <= 0x20 || path.charAt(i) >= 0x7f) {
                throw new IllegalArgumentException("no spaces or control characters");
            }
        }
        return path;
    }

    private static List<String> regionList(String v) {
        List<String> out = new ArrayList<>();
        for (String region : v.split(",")) {
            if (!region.isBlank()) {
                out.add(region.trim());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException();
        }
        return List.copyOf(out);
    }

    private static Map<String, Integer> limitList(String list) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String part : list.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException();
            }
            String region = part.substring(0, eq).trim();
            String limit = part.substring(eq + 1).trim();
            if (region.isEmpty() || limit.isEmpty()) {
                throw new IllegalArgumentException();
            }
            int n = Integer.parseInt(limit); // a NumberFormatException is an IllegalArgumentException
            if (n < 1 || n > 100_000) {
                throw new IllegalArgumentException();
            }
            if (out.put(region, n) != null) {
                throw new IllegalArgumentException("each region once; '" + region + "' appears twice");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException();
        }
        return out;
    }
}
