package io.branchline.telemetry;

import io.branchline.core.spi.Setting;
import io.branchline.core.spi.SettingSource;

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
    static final String PREFIX = "branchline.telemetry.";

    static final Setting<ConnectionString> CONNECTION_STRING = Setting.text(PREFIX + "connection-string",
            "an Application Insights connection string, InstrumentationKey=...;IngestionEndpoint=https://...",
            ConnectionString::parse)
        .environmentName(ConnectionString.ENVIRONMENT_VARIABLE).secret()
        .meaning("Application Insights connection string (InstrumentationKey=...;IngestionEndpoint=https://...); without it"
            + " there is no telemetry").build();
    static final Setting<String> ROLE_NAME = Setting.text(PREFIX + "role-name", "a name without line breaks",
            TelemetrySettings::oneLine)
        .defaultValue(AzureMonitorExporter.Builder.DEFAULT_ROLE_NAME).requires(CONNECTION_STRING)
        .meaning("Application name in the application map (cloud_RoleName)").build();
    static final Setting<String> BRANCH = Setting.text(PREFIX + "branch", "a name without line breaks", TelemetrySettings::oneLine)
        .defaultText("host name").requires(CONNECTION_STRING)
        .meaning("The branch office: cloud_RoleInstance and the branch dimension").build();
    static final Setting<Path> SPOOL_DIRECTORY = Setting.path(PREFIX + "spool-directory").defaultText("temp dir")
        .requires(CONNECTION_STRING).meaning("Folder where telemetry waits while Azure Monitor is unreachable; one exporter per folder (locked: a second fails at start). Default: one per connection string in the temp dir, a sub-folder per process when in use").build();
    static final Setting<Long> SPOOL_MAX_SIZE = Setting.size(PREFIX + "spool-max-size",
            AzureMonitorExporter.Builder.DEFAULT_MAX_BATCH_BYTES, 1024L * 1024 * 1024 * 1024)
        .defaultValue(AzureMonitorExporter.Builder.DEFAULT_SPOOL_MAX_BYTES).requires(CONNECTION_STRING)
        .meaning("Largest spool; the oldest batches are dropped first (at least 1MiB)").build();
    static final Setting<Double> SAMPLING_PERCENTAGE = Setting.decimal(PREFIX + "sampling-percentage", 0, false, 100)
        .defaultValue(100.0).requires(CONNECTION_STRING)
        .meaning("Share of calls sent, more than 0 and at most 100; metrics are never sampled").build();
    static final Setting<Duration> FLUSH_INTERVAL = Setting.duration(PREFIX + "flush-interval", Duration.ofMillis(1), Duration.ofHours(1))
        .defaultValue(AzureMonitorExporter.Builder.DEFAULT_FLUSH_INTERVAL).requires(CONNECTION_STRING)
        .meaning("Longest time an incomplete batch waits before it is sent").build();
    static final Setting<Duration> METRICS_INTERVAL = Setting.duration(PREFIX + "metrics-interval", Duration.ZERO, Duration.ofHours(24))
        .defaultValue(AzureMonitorExporter.Builder.DEFAULT_METRICS_INTERVAL).requires(CONNECTION_STRING)
        .meaning("Time between two region metric items (0 for none)").build();

    /** Every setting, in the order the README documents them. */
    static final List<Setting<?>> DEFS = List.of(CONNECTION_STRING, ROLE_NAME, BRANCH, SPOOL_DIRECTORY, SPOOL_MAX_SIZE,
        SAMPLING_PERCENTAGE, FLUSH_INTERVAL, METRICS_INTERVAL);

    private final SettingSource values;

    TelemetrySettings(SettingSource values) {
        this.values = values;
    }

    static TelemetrySettings fromProperties(Properties p) {
        return new TelemetrySettings(SettingSource.fromProperties(p));
    }

    static TelemetrySettings fromEnvironment(Map<String, String> env) {
        return new TelemetrySettings(SettingSource.fromEnvironment(env));
    }

    /** Whether a connection string is present (it may still be malformed). */
    boolean configured() {
        return values.isSet(CONNECTION_STRING);
    }

    /** Fills a new builder with every setting present; absent settings keep the builder's defaults. */
    AzureMonitorExporter.Builder toBuilder() {
        AzureMonitorExporter.Builder b = AzureMonitorExporter.builder();
        ConnectionString cs = values.get(CONNECTION_STRING);
        if (cs != null) {
            b.connectionString(cs);
        } else {
            b.missingConnectionString = "No Application Insights connection string: set " + values.label(CONNECTION_STRING, null)
                + " in the " + values.sourceName() + " (copy it from the resource's Overview), or check"
                + " AzureMonitorExporter.isConfigured" + (values.isEnvironment() ? "InEnvironment" : "") + "(...) first to"
                + " run without telemetry";
        }
        String v;
        if ((v = values.get(ROLE_NAME)) != null) {
            b.roleName(v);
        }
        if ((v = values.get(BRANCH)) != null) {
            b.roleInstance(v);
        }
        Path dir = values.get(SPOOL_DIRECTORY);
        if (dir != null) {
            b.spoolDirectory(dir);
        }
        Long spoolMax = values.get(SPOOL_MAX_SIZE);
        if (spoolMax != null) {
            b.spoolMaxBytes(spoolMax);
        }
        Double sampling = values.get(SAMPLING_PERCENTAGE);
        if (sampling != null) {
            b.samplingPercentage(sampling);
        }
        Duration d;
        if ((d = values.get(FLUSH_INTERVAL)) != null) {
            b.flushInterval(d);
        }
        if ((d = values.get(METRICS_INTERVAL)) != null) {
            b.metricsInterval(d);
        }
        return b;
    }

    private static String oneLine(String v) {
        for (int i = 0; i < v.length(); i++) {
            if (Character.isISOControl(v.charAt(i))) {
                throw new IllegalArgumentException("no control characters");
            }
        }
        return v;
    }
}
