package io.branchline.core;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code branchline.*} settings from properties or environment variables and parses their values the way
 * every Branchline module does: durations with a unit ({@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h} or
 * ISO-8601 {@code PT10S}), sizes ({@code 512KiB}, {@code 16MiB}), whole numbers within bounds and booleans. A
 * malformed value fails with an {@link IllegalArgumentException} naming the setting (and its environment variable),
 * the value and the expected form. For extensions that read settings of their own, such as a custom router.
 *
 * <p>An environment variable's name is the property's, upper-cased, with dots and dashes turned into underscores:
 * {@code branchline.timeout.call} is {@code BRANCHLINE_TIMEOUT_CALL}. Blank values count as absent. Immutable.
 */
public final class SettingValues {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)");
    private static final Pattern ZERO = Pattern.compile("0+\\s*(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KiB|MiB|GiB|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);
    private static final String DURATION_FORM = "a positive duration with a unit, such as 500ms, 10s, 2m or PT10S";

    private final Function<String, String> lookup;
    private final String sourceName;
    private final Function<String, String> label;

    private SettingValues(Function<String, String> lookup, String sourceName, Function<String, String> label) {
        this.lookup = lookup;
        this.sourceName = sourceName;
        this.label = label;
    }

    /**
     * Settings read from properties, by property name.
     *
     * @param properties the properties; copied
     * @return the settings
     */
    public static SettingValues fromProperties(Properties properties) {
        Objects.requireNonNull(properties, "properties");
        Properties copy = new Properties();
        copy.putAll(properties);
        return new SettingValues(copy::getProperty, "properties", p -> p);
    }

    /**
     * Settings read from environment variables, by {@linkplain #environmentName(String) environment name}.
     *
     * @param environment variable names and values; copied
     * @return the settings
     */
    public static SettingValues fromEnvironment(Map<String, String> environment) {
        Objects.requireNonNull(environment, "environment");
        Map<String, String> copy = Map.copyOf(environment);
        return of(p -> copy.get(environmentName(p)), "environment", p -> p + " (" + environmentName(p) + ")");
    }

    /**
     * Settings read through a function of the property name.
     *
     * @param lookup the raw value of a property, or {@code null}
     * @param sourceName where the values come from, for messages, such as {@code "configuration"}
     * @param label how a property is named in messages, such as {@code "branchline.x (BRANCHLINE_X)"}
     * @return the settings
     */
    public static SettingValues of(Function<String, String> lookup, String sourceName, Function<String, String> label) {
        return new SettingValues(Objects.requireNonNull(lookup, "lookup"), Objects.requireNonNull(sourceName, "sourceName"),
            Objects.requireNonNull(label, "label"));
    }

    /**
     * The environment variable of a property.
     *
     * @param property such as {@code branchline.timeout.call}
     * @return such as {@code BRANCHLINE_TIMEOUT_CALL}
     */
    public static String environmentName(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * A setting's raw value.
     *
     * @param property the property name
     * @return the trimmed value, or {@code null} when absent or blank
     */
    public String get(String property) {
        String v = lookup.apply(property);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /**
     * How a setting is named in messages.
     *
     * @param property the property name
     * @return the property, with its environment variable when read from the environment
     */
    public String label(String property) {
        return label.apply(property);
    }

    /** @return where the values come from, such as {@code "properties"} or {@code "environment"} */
    public String sourceName() {
        return sourceName;
    }

    /**
     * A duration setting.
     *
     * @param property the property name
     * @param zeroAllowed whether {@code 0} is accepted
     * @return the duration, or {@code null} when absent
     * @throws IllegalArgumentException when malformed, negative, or zero when zero is not allowed
     */
    public Duration duration(String property, boolean zeroAllowed) {
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
        if (d == null || d.isNegative() || d.isZero() && !zeroAllowed) {
            throw invalid(property, v, zeroAllowed ? "0 or " + DURATION_FORM : DURATION_FORM);
        }
        return d;
    }

    /**
     * A whole-number setting.
     *
     * @param property the property name
     * @param min the smallest value accepted
     * @param max the largest value accepted
     * @return the number, or {@code null} when absent
     * @throws IllegalArgumentException when not a whole number within bounds
     */
    public Integer integer(String property, int min, int max) {
        String v = get(property);
        return v == null ? null : integer(property, v, min, max);
    }

    /**
     * Parses a whole number that belongs to a setting (one item of a list setting, say).
     *
     * @param property the property the value belongs to, for the message
     * @param value the value
     * @param min the smallest value accepted
     * @param max the largest value accepted
     * @return the number
     * @throws IllegalArgumentException when not a whole number within bounds
     */
    public int integer(String property, String value, int min, int max) {
        try {
            int i = Integer.parseInt(value.trim());
            if (i >= min && i <= max) {
                return i;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(property, value, "a whole number from " + min + " to " + max);
    }

    /**
     * A boolean setting: {@code true}, {@code yes}, {@code 1}, {@code false}, {@code no} or {@code 0}.
     *
     * @param property the property name
     * @return the value, or {@code null} when absent
     * @throws IllegalArgumentException when it is none of those
     */
    public Boolean bool(String property) {
        String v = get(property);
        if (v == null) {
            return null;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes") || v.equals("1")) {
            return Boolean.TRUE;
        }
        if (v.equalsIgnoreCase("false") || v.equalsIgnoreCase("no") || v.equals("0")) {
            return Boolean.FALSE;
        }
        throw invalid(property, v, "true or false");
    }

    /**
     * A size setting in bytes: a number with an optional unit ({@code B}, {@code KiB}, {@code MiB}, {@code GiB},
     * {@code KB}, {@code MB}, {@code GB}).
     *
     * @param property the property name
     * @param min the smallest size accepted
     * @param expected the expected form, for the message, such as {@code "a size such as 512KiB or 16MiB"}
     * @return the size, or {@code null} when absent
     * @throws IllegalArgumentException when malformed or below the minimum
     */
    public Long size(String property, long min, String expected) {
        String v = get(property);
        if (v == null) {
            return null;
        }
        Matcher m = SIZE.matcher(v);
        if (!m.matches()) {
            throw invalid(property, v, expected);
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
            throw invalid(property, v, expected);
        }
        return bytes;
    }

    /**
     * The error for a setting's malformed value.
     *
     * @param property the property name
     * @param value the value, or {@code null} to keep a secret value out of the message
     * @param expected what was expected, such as {@code "true or false"}
     * @return the exception to throw
     */
    public IllegalArgumentException invalid(String property, String value, String expected) {
        return new IllegalArgumentException("Setting " + label(property) + " has an invalid value"
            + (value == null ? "" : " '" + value + "'") + ": expected " + expected + " (read from the " + sourceName + ")");
    }
}
