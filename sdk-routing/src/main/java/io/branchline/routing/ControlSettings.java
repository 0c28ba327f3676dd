package io.branchline.routing;

import com.azure.core.http.HttpClient;
import io.branchline.core.spi.Setting;
import io.branchline.core.spi.SettingSource;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code branchline.control.*} settings: where a router finds the operator's run-time control (a watched file,
 * Azure App Configuration), this branch's id and group, and where the last good control is kept. Read from
 * properties or {@code BRANCHLINE_CONTROL_*} variables by {@link RoutingExtension} and
 * {@link NearestRegionRouter#fromProperties}.
 */
final class ControlSettings {
    static final String PREFIX = "branchline.control.";

    static final Setting<Path> FILE = Setting.path(PREFIX + "file")
        .meaning("Control file (properties, or JSON when named *.json) watched for drains, pins, canary...").build();
    static final Setting<String> APPCONFIG_ENDPOINT = Setting.text(PREFIX + "appconfig.endpoint",
            "an https URL such as https://fleet.azconfig.io", ControlSettings::endpoint)
        .meaning("Azure App Configuration store to read the control from (Entra ID: needs com.azure:azure-identity)")
        .build();
    static final Setting<String> APPCONFIG_CONNECTION_STRING = Setting.text(PREFIX + "appconfig.connection-string",
            "Endpoint=https://...;Id=...;Secret=...", ControlSettings::connectionString)
        .secret().meaning("Connection string of that store (HMAC access key), instead of the endpoint").build();
    static final Setting<String> APPCONFIG_KEY_PREFIX = Setting.text(PREFIX + "appconfig.key-prefix",
            "a key prefix without * or ,", ControlSettings::keyPrefix)
        .defaultValue(AppConfigurationControl.DEFAULT_KEY_PREFIX).meaning("Keys read: this prefix + a control name").build();
    static final Setting<String> APPCONFIG_LABEL = Setting.text(PREFIX + "appconfig.label",
            "a label without * or ,", ControlSettings::label)
        .meaning("Environment label of fleet-wide values, e.g. production (default: no label)").build();
    static final Setting<Duration> APPCONFIG_INTERVAL = Setting.duration(PREFIX + "appconfig.interval",
            Duration.ofSeconds(1), Duration.ofHours(1))
        .defaultValue(AppConfigurationControl.DEFAULT_INTERVAL)
        .meaning("Time between two polls of the store (one small conditional request each)").build();
    static final Setting<String> BRANCH = Setting.text(PREFIX + "branch", "a branch id without * or ,",
            ControlSettings::label)
        .defaultText("host name").meaning("This branch's id: label branch=<id> overrides, canary per branch").build();
    static final Setting<String> GROUP = Setting.text(PREFIX + "group", "a group name without * or ,",
            ControlSettings::label)
        .meaning("This branch's group: label group=<name> overrides fleet-wide values").build();
    static final Setting<Path> LAST_GOOD = Setting.path(PREFIX + "last-good")
        .meaning("File keeping the last good control across restarts (default: <last-known-good>.control)").build();

    /** Every setting, in the order the README documents them. */
    static final List<Setting<?>> DEFS = List.of(FILE, APPCONFIG_ENDPOINT, APPCONFIG_CONNECTION_STRING,
        APPCONFIG_KEY_PREFIX, APPCONFIG_LABEL, APPCONFIG_INTERVAL, BRANCH, GROUP, LAST_GOOD);

    private ControlSettings() {
    }

    /** Adds the sources the settings name to a router builder; {@code http} carries the client's network settings. */
    static void applyTo(NearestRegionRouterBuilder b, SettingSource values, HttpClient http) {
        String branch = values.get(BRANCH);
        if (branch != null) {
            b.branchId(branch);
        }
        Path lastGood = values.get(LAST_GOOD);
        if (lastGood != null) {
            b.lastGoodControl(lastGood);
        }
        String endpoint = values.get(APPCONFIG_ENDPOINT);
        String cs = values.get(APPCONFIG_CONNECTION_STRING);
        if (endpoint != null || cs != null) {
            if (endpoint != null && cs != null) {
                throw new IllegalStateException("Both " + values.label(APPCONFIG_ENDPOINT, null) + " and "
                    + values.label(APPCONFIG_CONNECTION_STRING, null) + " are set: give the connection string (access"
                    + " key) or the endpoint (Entra ID), not both");
            }
            AppConfigurationControl.Builder a = AppConfigurationControl.builder()
                .keyPrefix(values.getOrDefault(APPCONFIG_KEY_PREFIX))
                .interval(values.getOrDefault(APPCONFIG_INTERVAL))
                .branch(branch != null ? branch : defaultBranchId());
            String label = values.get(APPCONFIG_LABEL);
            if (label != null) {
                a.environment(label);
            }
            String group = values.get(GROUP);
            if (group != null) {
                a.group(group);
            }
            if (http != null) {
                a.httpClient(http);
            }
            b.control(cs != null ? a.connectionString(cs).build() : a.endpoint(endpoint).buildWithDefaultCredential());
        } else if (values.get(GROUP) != null) {
            throw new IllegalStateException("Setting " + values.label(GROUP, null) + " selects App Configuration labels,"
                + " but no store is set: add " + values.label(APPCONFIG_CONNECTION_STRING, null) + " or "
                + values.label(APPCONFIG_ENDPOINT, null));
        }
        Path file = values.get(FILE);
        if (file != null) {
            b.control(ControlSource.file(file)); // after App Configuration: the local file wins
        }
    }

    /** This machine's host name, the default branch id. */
    static String defaultBranchId() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown-branch";
        }
    }

    private static String endpoint(String v) {
        URI u = URI.create(v.trim());
        if (u.getHost() == null || !"https".equalsIgnoreCase(u.getScheme()) && !"http".equalsIgnoreCase(u.getScheme())
            || u.getRawUserInfo() != null || u.getRawQuery() != null) {
            throw new IllegalArgumentException();
        }
        return v.trim();
    }

    private static String connectionString(String v) {
        AppConfigurationControl.parseConnectionString(v); // never echoes the secret
        return v;
    }

    private static String keyPrefix(String v) {
        if (v.indexOf('*') >= 0 || v.indexOf(',') >= 0 || v.isBlank()) {
            throw new IllegalArgumentException();
        }
        return v;
    }

    private static String label(String v) {
        if (v.indexOf('*') >= 0 || v.indexOf(',') >= 0 || v.indexOf('\\') >= 0 || v.isBlank()) {
            throw new IllegalArgumentException();
        }
        return v.trim();
    }
}
