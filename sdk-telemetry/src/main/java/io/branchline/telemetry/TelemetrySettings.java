package io.branchline.telemetry;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the {@code branchline.telemetry.*} properties, or the same settings as environment variables (the property
 * name upper-cased, dots and dashes turned into underscores; the connection string is the standard
 * {@value ConnectionString#ENVIRONMENT_VARIABLE}), into an {@link AzureMonitorExporter.Builder}. Every malformed
 * setting fails with a message naming it, its value (never the connection string's) and the expected form.
 */
final class TelemetrySettings {
    /** One documented setting. */
    record Def(String property, String env, String defaultValue, boolean secret, String meaning) {
        Def(String property, String defaultValue, String meaning) {
            this(property, envName(property), defaultValue, false, meaning);
        }
    }

    static final String PREFIX = "branchline.telemetry.";
    static final String CONNECTION_STRING = PREFIX + "connection-string";

    /** Every setting, in the order the README documents them. */
    static final List<Def> DEFS = List.of(
        new Def(CONNECTION_STRING, ConnectionString.ENVIRONMENT_VARIABLE, null, true,
            "Application Insights connection string (InstrumentationKey=...;IngestionEndpoint=https://...); without it"
                + " there is no telemetry"),
        new Def(PREFIX + "role-name", AzureMonitorExporter.Builder.DEFAULT_ROLE_NAME,
            "Application name in the application map (cloud_RoleName)"),
        new Def(PREFIX + "branch", "host name", "The branch office: cloud_RoleInstance and the branch dimension"),
        new Def(PREFIX + "spool-directory", "temp dir", "Folder where telemetry waits while Azure Monitor is unreachable"),
        new Def(PREFIX + "spool-max-size", "50MiB", "Largest spool; the oldest batches are dropped first (at least 1MiB)"),
        new Def(PREFIX + "sampling-percentage", "100", "Share of calls sent, more than 0 and at most 100; metrics are never sampled"),
        new Def(PREFIX + "flush-interval", "5s", "Longest time an incomplete batch waits before it is sent"),
        new Def(PREFIX + "metrics-interval", "60s", "Time between two region metric items (0 for none)"));

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)");
    private static final Pattern ZERO = Pattern.compile("0+\\s*(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KiB|MiB|GiB|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);
    private static final String DURATION_FORM = "a positive duration with a unit, such as 500ms, 10s, 2m or PT10S";

    private final Function<String, String> source;
    private final String sourceName;
    private final boolean envStyle;

    private TelemetrySettings(Function<String, String> source, String sourceName, boolean envStyle) {
        this.source = source;
        this.sourceName = sourceName;
        this.envStyle = envStyle;
    }

    static TelemetrySettings fromProperties(Properties p) {
        Properties copy = new Properties();
        copy.putAll(p);
        return new TelemetrySettings(name -> trimToNull(copy.getProperty(name)), "properties", false);
    }

    static TelemetrySettings fromEnvironment(Map<String, String> env) {
        Map<String, String> copy = new java.util.HashMap<>(env);
        return new TelemetrySettings(name -> trimToNull(copy.get(env(name))), "environment", true);
    }

    static String envName(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String env(String property) {
        return CONNECTION_STRING.equals(property) ? ConnectionString.ENVIRONMENT_VARIABLE : envName(property);
    }

    private static String trimToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** Whether a connection string is present (it may still be malformed). */
    boolean configured() {
        return get(CONNECTION_STRING) != null;
    }

    /** Fills a new builder with every setting present; absent settings keep the builder's defaults. */
    AzureMonitorExporter.Builder toBuilder() {
        AzureMonitorExporter.Builder b = AzureMonitorExporter.builder();
        String v;
        if ((v = get(CONNECTION_STRING)) != null) {
            try {
                b.connectionString(ConnectionString.parse(v));
            } catch (IllegalArgumentException e) {
                // ConnectionString's messages never show the key; the value itself is secret and not echoed
                throw new IllegalArgumentException("Setting " + label(CONNECTION_STRING) + " is invalid: "
                    + e.getMessage() + " (read from the " + sourceName + "; the value is secret and not shown)", e);
            }
        } else {
            b.missingConnectionString = "No Application Insights connection string: set " + label(CONNECTION_STRING)
                + " in the " + sourceName + " (copy it from the resource's Overview), or check"
                + " AzureMonitorExporter.isConfigured" + (envStyle ? "InEnvironment" : "") + "(...) first to run"
                + " without telemetry";
        }
        if ((v = get(PREFIX + "role-name")) != null) {
            b.roleName(v);
        }
        if ((v = get(PREFIX + "branch")) != null) {
            b.roleInstance(v);
        }
        if ((v = get(PREFIX + "spool-directory")) != null) {
            try {
                b.spoolDirectory(Path.of(v));
            } catch (InvalidPathException e) {
                throw bad(PREFIX + "spool-directory", v, "a folder path, e.g. /var/lib/branchline/telemetry");
            }
        }
        if ((v = get(PREFIX + "spool-max-size")) != null) {
            b.spoolMaxBytes(size(PREFIX + "spool-max-size", v, AzureMonitorExporter.Builder.DEFAULT_MAX_BATCH_BYTES));
        }
        if ((v = get(PREFIX + "sampling-percentage")) != null) {
            b.samplingPercentage(percentage(PREFIX + "sampling-percentage", v));
        }
        Duration d;
        if ((d = duration(PREFIX + "flush-interval", false)) != null) {
            b.flushInterval(d);
        }
        if ((d = duration(PREFIX + "metrics-interval", true)) != null) {
            b.metricsInterval(d);
        }
        return b;
    }

    private String get(String property) {
        return source.apply(property);
    }

    private String label(String property) {
        return envStyle ? property + " (" + env(property) + ")" : property;
    }

    private double percentage(String property, String v) {
        String n = v.endsWith("%") ? v.substring(0, v.length() - 1).trim() : v;
        try {
            double p = Double.parseDouble(n);
            if (p > 0 && p <= 100) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(property, v, "a number more than 0 and at most 100, e.g. 25");
    }

    private long size(String property, String v, long min) {
        String form = "a size of at least 1MiB, such as 1048576, 512MiB or 2GiB";
        Matcher m = SIZE.matcher(v);
        if (!m.matches()) {
            throw bad(property, v, form);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        long mult = switch (unit) {
            case "KIB" -> 1024L;
            case "MIB" -> 1024L * 1024;
            case "GIB" -> 1024L * 1024 * 1024;
            case "KB" -> 1000L;
            case "MB" -> 1000L * 1000;
            case "GB" -> 1000L * 1000 * 1000;
            default -> 1L;
        };
        long bytes = n * mult; // at most 12 digits times 2^30: no overflow
        if (bytes < min) {
            throw bad(property, v, form);
        }
        return bytes;
    }

    private Duration duration(String property, boolean zeroAllowed) {
        String v = get(property);
        if (v == null) {
            return null;
        }
        String lower = v.toLowerCase(Locale.ROOT);
        if (zeroAllowed && ZERO.matcher(lower).matches()) {
            return Duration.ZERO;
        }
        Duration d = null;
        Matcher m = DURATION.matcher(lower);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "ms": d = Duration.ofMillis(n); break;
                case "s": d = Duration.ofSeconds(n); break;
                case "m": d = Duration.ofMinutes(n); break;
                default: d = Duration.ofHours(n); break;
            }
        } else if (lower.startsWith("pt")) {
            try {
                d = Duration.parse(v.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                d = null;
            }
        }
        if (d == null || d.isNegative() || (d.isZero() && !zeroAllowed)) {
            throw bad(property, v, zeroAllowed ? "0 or " + DURATION_FORM : DURATION_FORM);
        }
        return d;
    }

    private IllegalArgumentException bad(String property, String value, String expected) {
        return new IllegalArgumentException("Setting " + label(property) + " has an invalid value '" + value
            + "': expected " + expected + " (read from the " + sourceName + ")");
    }
}
