package io.branchline.telemetry;

import io.branchline.core.SettingValues;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

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

    private final SettingValues values;
    private final boolean envStyle;

    private TelemetrySettings(SettingValues values, boolean envStyle) {
        this.values = values;
        this.envStyle = envStyle;
    }

    static TelemetrySettings fromProperties(Properties p) {
        return new TelemetrySettings(SettingValues.fromProperties(p), false);
    }

    static TelemetrySettings fromEnvironment(Map<String, String> env) {
        Map<String, String> copy = new java.util.HashMap<>(env);
        // the connection string keeps the name every Application Insights SDK reads
        return new TelemetrySettings(SettingValues.of(name -> copy.get(env(name)), "environment",
            name -> name + " (" + env(name) + ")"), true);
    }

    static String envName(String property) {
        return SettingValues.environmentName(property);
    }

    private static String env(String property) {
        return CONNECTION_STRING.equals(property) ? ConnectionString.ENVIRONMENT_VARIABLE : envName(property);
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
                    + e.getMessage() + " (read from the " + values.sourceName() + "; the value is secret and not shown)", e);
            }
        } else {
            b.missingConnectionString = "No Application Insights connection string: set " + label(CONNECTION_STRING)
                + " in the " + values.sourceName() + " (copy it from the resource's Overview), or check"
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
        Long spoolMax = values.size(PREFIX + "spool-max-size", AzureMonitorExporter.Builder.DEFAULT_MAX_BATCH_BYTES,
            "a size of at least 1MiB, such as 1048576, 512MiB or 2GiB");
        if (spoolMax != null) {
            b.spoolMaxBytes(spoolMax);
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
        return values.get(property);
    }

    private String label(String property) {
        return values.label(property);
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

    private Duration duration(String property, boolean zeroAllowed) {
        return values.duration(property, zeroAllowed);
    }

    private IllegalArgumentException bad(String property, String value, String expected) {
        return values.invalid(property, value, expected);
    }
}
