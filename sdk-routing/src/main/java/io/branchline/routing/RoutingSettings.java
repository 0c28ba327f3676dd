package io.branchline.routing;

import io.branchline.core.SettingValues;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads the {@code branchline.routing.*} properties, or the same settings as {@code BRANCHLINE_ROUTING_*} environment
 * variables (the property name upper-cased, dots and dashes turned into underscores), into a
 * {@link NearestRegionRouterBuilder}. Every malformed setting fails with a message naming it, its value and the
 * expected form. Values are read and parsed by core's {@link SettingValues}, as every module's settings are.
 */
final class RoutingSettings {
    /** One documented setting; {@code env} is {@code null} when it has no environment form. */
    record Def(String property, String env, String defaultValue, String meaning) {
        Def(String property, String defaultValue, String meaning) {
            this(property, envName(property), defaultValue, meaning);
        }
    }

    static final String PREFIX = "branchline.routing.";
    static final String LIMIT_PREFIX = PREFIX + "concurrency-limit.";
    static final String LIMITS = PREFIX + "concurrency-limits";

    /** Every setting, in the order the README documents them. */
    static final List<Def> DEFS = List.of(
        new Def(PREFIX + "strategy", "nearest", "How available regions are ordered: nearest, priority or weighted"),
        new Def(PREFIX + "probe.enabled", "true", "Send background health probes; false learns health from calls only"),
        new Def(PREFIX + "probe.path", HealthProbeOptions.DEFAULT_PATH, "Path probed in every region, e.g. /admin/host/ping"),
        new Def(PREFIX + "probe.method", HealthProbeOptions.DEFAULT_METHOD, "HTTP method of the probes, e.g. GET or HEAD"),
        new Def(PREFIX + "probe.interval", "5s", "Time between two probes of one region (at least 10ms), with jitter"),
        new Def(PREFIX + "probe.timeout", "2s", "Time a probe may take before it counts as failed"),
        new Def(PREFIX + "breaker.consecutive-failures", "3", "Failures in a row that open a region's circuit (1-1000)"),
        new Def(PREFIX + "breaker.open-time", "5s", "First open time of a circuit; doubles on repeated trips up to 2m (or this)"),
        new Def(PREFIX + "failback-dwell", "10s", "Time a recovered region must stay healthy before it gets traffic back (0 for none)"),
        new Def(PREFIX + "slow-start", "10s", "Time over which a recovered region's share ramps up to 100 % (0 for at once)"),
        new Def(PREFIX + "pin", null, "Regions that come first while available, in this order, separated by commas"),
        new Def(LIMITS, null, "Concurrency limits as region=limit pairs separated by commas, e.g. onprem=32,westeurope=100"),
        new Def(LIMIT_PREFIX + "<region>", null, null,
            "Concurrency limit of one region (1-100000); properties only, use concurrency-limits in the environment"),
        new Def(PREFIX + "panic", "true", "When every region is out, try them all anyway; false fails at once"),
        new Def(PREFIX + "last-known-good", null, "File keeping the ranking and the regions known down across restarts"));

    private static final Pattern METHOD = Pattern.compile("[A-Za-z]+");

    private final SettingValues values;
    /** The per-region limit properties ({@code branchline.routing.concurrency-limit.<region>}), sorted by region. */
    private final Map<String, String> regionLimits = new TreeMap<>();

    private RoutingSettings(SettingValues values) {
        this.values = values;
    }

    static RoutingSettings fromProperties(Properties p) {
        Properties copy = new Properties();
        copy.putAll(p);
        RoutingSettings s = new RoutingSettings(SettingValues.fromProperties(copy));
        for (String name : copy.stringPropertyNames()) {
            if (name.startsWith(LIMIT_PREFIX)) {
                s.regionLimits.put(name.substring(LIMIT_PREFIX.length()), copy.getProperty(name));
            }
        }
        return s;
    }

    static RoutingSettings fromEnvironment(Map<String, String> env) {
        String perRegion = envName(LIMIT_PREFIX);
        for (String name : env.keySet()) {
            if (name.startsWith(perRegion)) {
                throw new IllegalArgumentException("Environment variable " + name + " is not read: region names cannot"
                    + " be recovered from variable names; set " + envName(LIMITS) + "=<region>=<limit>,... instead,"
                    + " e.g. " + envName(LIMITS) + "=onprem=32,westeurope=100");
            }
        }
        return new RoutingSettings(SettingValues.fromEnvironment(env));
    }

    static String envName(String property) {
        return SettingValues.environmentName(property);
    }

    /** Fills a new builder with every setting present; absent settings keep the builder's defaults. */
    NearestRegionRouterBuilder toBuilder() {
        NearestRegionRouterBuilder b = NearestRegionRouter.builder();
        String v;
        if ((v = get(PREFIX + "strategy")) != null) {
            b.strategy(strategy(v));
        }
        HealthProbeOptions probes = probes();
        if (probes != null) {
            b.healthProbe(probes);
        }
        BreakerOptions breaker = breaker();
        if (breaker != null) {
            b.breaker(breaker);
        }
        Duration d;
        if ((d = duration(PREFIX + "failback-dwell", true)) != null) {
            b.failbackDwell(d);
        }
        if ((d = duration(PREFIX + "slow-start", true)) != null) {
            b.slowStart(d);
        }
        if ((v = get(PREFIX + "pin")) != null) {
            for (String region : v.split(",")) {
                if (!region.isBlank()) {
                    b.pin(region.trim());
                }
            }
        }
        limits().forEach(b::concurrencyLimit);
        Boolean panic = bool(PREFIX + "panic");
        if (panic != null) {
            b.panic(panic);
        }
        if ((v = get(PREFIX + "last-known-good")) != null) {
            try {
                b.lastKnownGood(Path.of(v));
            } catch (InvalidPathException e) {
                throw bad(PREFIX + "last-known-good", v, "a file path, e.g. /var/lib/branchline/routing.state");
            }
        }
        return b;
    }

    private RoutingStrategy strategy(String v) {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "nearest": return RoutingStrategy.NEAREST;
            case "priority": return RoutingStrategy.PRIORITY;
            case "weighted": return RoutingStrategy.WEIGHTED;
            default: throw bad(PREFIX + "strategy", v, "nearest, priority or weighted");
        }
    }

    private HealthProbeOptions probes() {
        Boolean enabled = bool(PREFIX + "probe.enabled");
        String path = get(PREFIX + "probe.path");
        String method = get(PREFIX + "probe.method");
        Duration interval = duration(PREFIX + "probe.interval", false);
        Duration timeout = duration(PREFIX + "probe.timeout", false);
        if (path != null && (!path.startsWith("/") || path.indexOf('?') >= 0 || path.indexOf('#') >= 0)) {
            throw bad(PREFIX + "probe.path", path, "an absolute path without query, e.g. /api/health");
        }
        if (method != null && !METHOD.matcher(method).matches()) {
            throw bad(PREFIX + "probe.method", method, "an HTTP method such as GET or HEAD");
        }
        if (interval != null && interval.toMillis() < 10) {
            throw bad(PREFIX + "probe.interval", get(PREFIX + "probe.interval"), "a duration of at least 10ms, e.g. 5s");
        }
        if (Boolean.FALSE.equals(enabled)) {
            return HealthProbeOptions.disabled();
        }
        if (path == null && method == null && interval == null && timeout == null) {
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
        if (timeout != null) {
            p.timeout(timeout);
        }
        return p.build();
    }

    private BreakerOptions breaker() {
        String failures = get(PREFIX + "breaker.consecutive-failures");
        Duration openTime = duration(PREFIX + "breaker.open-time", false);
        if (failures == null && openTime == null) {
            return null;
        }
        BreakerOptions.Builder b = BreakerOptions.builder();
        if (failures != null) {
            b.consecutiveFailures(integer(PREFIX + "breaker.consecutive-failures", failures, 1, 1000));
        }
        if (openTime != null) {
            b.openTime(openTime);
            if (openTime.compareTo(BreakerOptions.DEFAULT_MAX_OPEN_TIME) > 0) {
                b.maxOpenTime(openTime); // a long first open time simply stops growing
            }
        }
        return b.build();
    }

    /** Both forms of concurrency limits, in the order given; a region given twice is an error. */
    private Map<String, Integer> limits() {
        Map<String, Integer> out = new LinkedHashMap<>();
        String list = get(LIMITS);
        if (list != null) {
            String form = "region=limit pairs separated by commas, each limit from 1 to 100000, e.g. onprem=32,westeurope=100";
            for (String part : list.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                int eq = part.indexOf('=');
                if (eq < 0) {
                    throw bad(LIMITS, list, form);
                }
                String region = part.substring(0, eq).trim();
                String limit = part.substring(eq + 1).trim();
                if (region.isEmpty() || limit.isEmpty()) {
                    throw bad(LIMITS, list, form);
                }
                int n;
                try {
                    n = Integer.parseInt(limit);
                } catch (NumberFormatException e) {
                    throw bad(LIMITS, list, form);
                }
                if (n < 1 || n > 100_000) {
                    throw bad(LIMITS, list, form);
                }
                if (out.put(region, n) != null) {
                    throw bad(LIMITS, list, "each region once; '" + region + "' appears twice");
                }
            }
        }
        regionLimits.forEach((region, value) -> {
            String property = LIMIT_PREFIX + region;
            if (region.isBlank()) {
                throw new IllegalArgumentException("Setting " + property + " names no region: use "
                    + LIMIT_PREFIX + "<region>=<limit>, e.g. " + LIMIT_PREFIX + "onprem=32");
            }
            String v = value == null || value.isBlank() ? null : value.trim();
            if (v == null) {
                throw bad(property, String.valueOf(value), "a whole number from 1 to 100000");
            }
            int n = integer(property, v, 1, 100_000);
            if (out.put(region, n) != null) {
                throw new IllegalArgumentException("Setting " + property + " limits region '" + region
                    + "', which " + LIMITS + " limits too: give each region's limit once");
            }
        });
        return out;
    }

    private String get(String property) {
        return values.get(property);
    }

    private Duration duration(String property, boolean zeroAllowed) {
        return values.duration(property, zeroAllowed);
    }

    private int integer(String property, String v, int min, int max) {
        return values.integer(property, v, min, max);
    }

    private Boolean bool(String property) {
        return values.bool(property);
    }

    private IllegalArgumentException bad(String property, String value, String expected) {
        return values.invalid(property, value, expected);
    }
}
