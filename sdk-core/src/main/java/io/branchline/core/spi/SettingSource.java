package io.branchline.core.spi;

import com.azure.core.util.Configuration;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Where {@code branchline.*} settings are read from: a properties file, environment variables, or an azure-core
 * {@link Configuration}. Values are read through their {@link Setting} declarations, so every module parses them the
 * same way and a malformed value fails with an {@link IllegalArgumentException} naming the setting (and its
 * environment variable), the value (unless secret) and the expected form. Blank values count as absent. Immutable.
 */
public final class SettingSource {
    private static final Pattern USER_INFO = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://)[^/@\\s]+@");
    private static final Pattern QUERY_SECRET =
        Pattern.compile("(?i)([?&;](?:code|sig|key|token|access_token|client_secret|password)=)[^&#\\s;,]*");
    private final Function<String, String> lookup;
    private final boolean environment;
    private final String sourceName;
    private final Set<String> names;

    private SettingSource(Function<String, String> lookup, boolean environment, String sourceName, Set<String> names) {
        this.lookup = lookup;
        this.environment = environment;
        this.sourceName = sourceName;
        this.names = names;
    }

    /**
     * Settings read from properties, by property name.
     *
     * @param properties the properties; copied
     * @return the source
     */
    public static SettingSource fromProperties(Properties properties) {
        Objects.requireNonNull(properties, "properties");
        Properties copy = new Properties();
        copy.putAll(properties);
        Set<String> names = new TreeSet<>();
        for (String n : copy.stringPropertyNames()) {
            if (n.startsWith("branchline.")) {
                names.add(n);
            }
        }
        return new SettingSource(copy::getProperty, false, "properties", Collections.unmodifiableSet(names));
    }

    /**
     * Settings read from environment variables, by {@linkplain Setting#environmentName() environment name}.
     *
     * @param environment variable names and values; copied
     * @return the source
     */
    public static SettingSource fromEnvironment(Map<String, String> environment) {
        Objects.requireNonNull(environment, "environment");
        Map<String, String> copy = Map.copyOf(environment);
        Set<String> names = new TreeSet<>();
        for (String n : copy.keySet()) {
            if (n.startsWith("BRANCHLINE_")) {
                names.add(n);
            }
        }
        return new SettingSource(copy::get, true, "environment", Collections.unmodifiableSet(names));
    }

    /**
     * Settings read from an azure-core configuration, by property name and then environment name. Such a source
     * cannot list what it holds, so it reports no unknown names.
     *
     * @param configuration the configuration
     * @return the source
     */
    public static SettingSource fromConfiguration(Configuration configuration) {
        Objects.requireNonNull(configuration, "configuration");
        return new SettingSource(name -> {
            String v = configuration.get(name);
            return v != null && !v.isBlank() ? v : configuration.get(Setting.environmentName(name));
        }, false, "configuration", Set.of());
    }

    /** @return whether names are environment variables ({@code BRANCHLINE_*}) rather than properties */
    public boolean isEnvironment() {
        return environment;
    }

    /** @return where the values come from, such as {@code "properties"} or {@code "environment"} */
    public String sourceName() {
        return sourceName;
    }

    /**
     * The names present: {@code branchline.*} properties, or {@code BRANCHLINE_*} variables.
     *
     * @return the names, sorted; empty for a configuration
     */
    public Set<String> names() {
        return names;
    }

    /**
     * Whether a setting is present (not blank).
     *
     * @param setting the setting; a per-region one must be read with {@link #isSet(Setting, String)}
     * @return {@code true} when present
     */
    public boolean isSet(Setting<?> setting) {
        return raw(setting, null) != null;
    }

    /**
     * Whether one region's instance of a per-region setting is present.
     *
     * @param setting the per-region setting
     * @param region the region's name
     * @return {@code true} when present
     */
    public boolean isSet(Setting<?> setting, String region) {
        return raw(setting, region) != null;
    }

    /**
     * A setting's value.
     *
     * @param setting the setting
     * @param <T> its type
     * @return the parsed value, or {@code null} when absent
     * @throws IllegalArgumentException when malformed
     */
    public <T> T get(Setting<T> setting) {
        return get(setting, null);
    }

    /**
     * One region's value of a per-region setting.
     *
     * @param setting the setting
     * @param region the region's name, or {@code null} for a setting that is not per region
     * @param <T> its type
     * @return the parsed value, or {@code null} when absent
     * @throws IllegalArgumentException when malformed
     */
    public <T> T get(Setting<T> setting, String region) {
        String v = raw(setting, region);
        if (v == null) {
            return null;
        }
        try {
            return setting.parse(v);
        } catch (IllegalArgumentException e) {
            String why = e.getClass() == IllegalArgumentException.class ? e.getMessage() : null;
            throw invalid(setting, region, v, setting.expected() + (why == null || why.isBlank() ? "" : " (" + why + ")"));
        }
    }

    /**
     * A setting's value, or its default when absent.
     *
     * @param setting the setting
     * @param <T> its type
     * @return the value or the default (which may be {@code null})
     * @throws IllegalArgumentException when malformed
     */
    public <T> T getOrDefault(Setting<T> setting) {
        T v = get(setting);
        return v != null ? v : setting.defaultValue();
    }

    /**
     * One region's value of a per-region setting, or its default when absent.
     *
     * @param setting the setting
     * @param region the region's name
     * @param <T> its type
     * @return the value or the default (which may be {@code null})
     * @throws IllegalArgumentException when malformed
     */
    public <T> T getOrDefault(Setting<T> setting, String region) {
        T v = get(setting, region);
        return v != null ? v : setting.defaultValue();
    }

    /**
     * A setting's value as written, trimmed, for checks beyond its declaration. Never put a secret one in a message.
     *
     * @param setting the setting
     * @param region the region's name for a per-region setting, else {@code null}
     * @return the value, or {@code null} when absent or blank
     */
    public String raw(Setting<?> setting, String region) {
        String property = region == null ? setting.name() : setting.nameFor(region);
        String key;
        if (environment) {
            if (setting.environmentName() == null) {
                return null;
            }
            key = region == null ? setting.environmentName() : Setting.environmentName(property);
        } else {
            key = property;
        }
        String v = lookup.apply(key);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /**
     * How a setting is named in messages: the property, with its environment variable when read from the
     * environment.
     *
     * @param setting the setting
     * @param region the region's name for a per-region setting, else {@code null}
     * @return such as {@code branchline.timeout.call (BRANCHLINE_TIMEOUT_CALL)}
     */
    public String label(Setting<?> setting, String region) {
        String property = region == null ? setting.name() : setting.nameFor(region);
        if (!environment || setting.environmentName() == null) {
            return property;
        }
        return property + " (" + (region == null ? setting.environmentName() : Setting.environmentName(property)) + ")";
    }

    /**
     * The error for a setting's malformed value; the value is left out when the setting is secret.
     *
     * @param setting the setting
     * @param region the region's name for a per-region setting, else {@code null}
     * @param value the value as written
     * @param expected what was expected, such as {@code "true or false"}
     * @return the exception to throw
     */
    public IllegalArgumentException invalid(Setting<?> setting, String region, String value, String expected) {
        String shown = setting.isSecret() || value == null ? "" : " '" + printable(value) + "'";
        return new IllegalArgumentException("Setting " + label(setting, region) + " has an invalid value" + shown
            + (setting.isSecret() ? " (secret, not shown)" : "") + ": expected " + expected + " (read from the "
            + sourceName + ")");
    }

    /**
     * Control characters (a CR/LF in a value) are shown escaped so a message stays one line; user info and secret
     * query values of URLs are masked.
     */
    private static String printable(String value) {
        value = QUERY_SECRET.matcher(USER_INFO.matcher(value).replaceAll("$1***@")).replaceAll("$1***");
        StringBuilder b = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
