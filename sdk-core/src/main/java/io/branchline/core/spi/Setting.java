package io.branchline.core.spi;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The one declaration of a {@code branchline.*} setting: its property name, environment variable, type, range,
 * default, whether it is secret, what it means, and the setting it needs to matter. Parsing, validation, redaction in
 * messages, unknown-key detection and the README's configuration tables all derive from it. Immutable.
 *
 * <p>A name may hold one {@code <name>} or {@code <region>} placeholder standing for a region of the client, such as
 * {@code branchline.region.<name>.key}; read it with {@link SettingSource#get(Setting, String)}.
 *
 * <p>Modelled on azure-core's {@code ConfigurationProperty}, which lacks what these settings need: ranges, the
 * expected form in error messages, strict booleans (its converter reads anything but {@code true} as false),
 * durations with units (its converter takes milliseconds only), per-region names and a one-line meaning.
 *
 * @param <T> the parsed value's type
 */
public final class Setting<T> {
    /** The type of a setting's value; it decides how values are parsed and which malformed values it rejects. */
    public enum Kind {
        /** Free text, possibly restricted by a check of the declaration. */
        TEXT,
        /** A duration with a unit: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, or ISO-8601 {@code PT10S}. */
        DURATION,
        /** A whole number. */
        INTEGER,
        /** A decimal number. */
        DECIMAL,
        /** {@code true}/{@code yes}/{@code 1} or {@code false}/{@code no}/{@code 0}. */
        BOOLEAN,
        /** A size in bytes with an optional unit: {@code 512KiB}, {@code 16MiB}, {@code 1GB}. */
        SIZE,
        /** One of a fixed list of words, case-insensitive. */
        CHOICE,
        /** A file or folder path. */
        PATH
    }

    private static final Pattern DURATION = Pattern.compile("(\\d{1,18})\\s*(ms|s|m|h|d)");
    private static final Pattern ZERO = Pattern.compile("0+\\s*(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,19})\\s*(B|KiB|MiB|GiB|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern PLACEHOLDER = Pattern.compile("<[a-z]+>");

    private final String name;
    private final String environmentName;
    private final Kind kind;
    private final Function<String, T> parser;
    private final String expected;
    private final T defaultValue;
    private final String defaultText;
    private final T minimum;
    private final T maximum;
    private final List<String> choices;
    private final boolean secret;
    private final String meaning;
    private final Setting<?> requires;
    private final List<String> requiresValues;

    private Setting(Builder<T> b) {
        this.name = b.name;
        this.environmentName = b.environmentName;
        this.kind = b.kind;
        this.parser = b.parser;
        this.expected = b.expected;
        this.defaultValue = b.defaultValue;
        this.defaultText = b.defaultText;
        this.minimum = b.minimum;
        this.maximum = b.maximum;
        this.choices = b.choices;
        this.secret = b.secret;
        this.meaning = b.meaning;
        this.requires = b.requires;
        this.requiresValues = b.requiresValues;
    }

    /**
     * The environment variable of a property: upper-cased, dots and dashes turned into underscores.
     *
     * @param property such as {@code branchline.timeout.call}
     * @return such as {@code BRANCHLINE_TIMEOUT_CALL}
     */
    public static String environmentName(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * Declares a text setting; control characters (a line break, say) are rejected.
     *
     * @param name the property name
     * @return a builder
     */
    public static Builder<String> text(String name) {
        return new Builder<>(name, Kind.TEXT, Setting::oneLine, "text on one line");
    }

    /**
     * Declares a text setting whose value (without control characters) {@code check} validates and converts, throwing an
     * {@link IllegalArgumentException} (whose message, if any, is added to the error) when it is malformed.
     *
     * @param name the property name
     * @param expected the expected form, for messages, such as {@code "name=baseUrl pairs separated by commas"}
     * @param check converts the trimmed value
     * @param <T> the parsed type
     * @return a builder
     */
    public static <T> Builder<T> text(String name, String expected, Function<String, T> check) {
        Objects.requireNonNull(check, "check");
        return new Builder<>(name, Kind.TEXT, v -> check.apply(oneLine(v)), expected);
    }

    /**
     * Declares a duration setting.
     *
     * @param name the property name
     * @param min the shortest accepted ({@link Duration#ZERO} to allow 0, meaning off)
     * @param max the longest accepted
     * @return a builder
     */
    public static Builder<Duration> duration(String name, Duration min, Duration max) {
        String form = "a duration from " + format(min) + " to " + format(max) + " with a unit, such as 500ms, 10s, 2m or PT10S";
        Builder<Duration> b = new Builder<>(name, Kind.DURATION, v -> parseDuration(v, min, max), form);
        b.minimum = min;
        b.maximum = max;
        return b;
    }

    /**
     * Declares a whole-number setting.
     *
     * @param name the property name
     * @param min the smallest accepted
     * @param max the largest accepted
     * @return a builder
     */
    public static Builder<Integer> integer(String name, int min, int max) {
        Builder<Integer> b = new Builder<>(name, Kind.INTEGER, v -> {
            int i = Integer.parseInt(v);
            if (i < min || i > max) {
                throw new IllegalArgumentException();
            }
            return i;
        }, "a whole number from " + min + " to " + max);
        b.minimum = min;
        b.maximum = max;
        return b;
    }

    /**
     * Declares a decimal setting; a trailing {@code %} is accepted.
     *
     * @param name the property name
     * @param min the smallest accepted
     * @param minInclusive whether {@code min} itself is accepted
     * @param max the largest accepted, inclusive
     * @return a builder
     */
    public static Builder<Double> decimal(String name, double min, boolean minInclusive, double max) {
        Builder<Double> b = new Builder<>(name, Kind.DECIMAL, v -> {
            String n = v.endsWith("%") ? v.substring(0, v.length() - 1).trim() : v;
            double d = Double.parseDouble(n);
            if (!(minInclusive ? d >= min : d > min) || !(d <= max) || Double.isNaN(d)) {
                throw new IllegalArgumentException();
            }
            return d;
        }, "a number " + (minInclusive ? "from " + plain(min) : "more than " + plain(min)) + (minInclusive ? " to " : " and at most ")
            + plain(max));
        b.minimum = min;
        b.maximum = max;
        return b;
    }

    /**
     * Declares a boolean setting.
     *
     * @param name the property name
     * @return a builder
     */
    public static Builder<Boolean> bool(String name) {
        return new Builder<>(name, Kind.BOOLEAN, v -> {
            if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes") || v.equals("1")) {
                return Boolean.TRUE;
            }
            if (v.equalsIgnoreCase("false") || v.equalsIgnoreCase("no") || v.equals("0")) {
                return Boolean.FALSE;
            }
            throw new IllegalArgumentException();
        }, "true or false");
    }

    /**
     * Declares a size setting, in bytes.
     *
     * @param name the property name
     * @param min the smallest accepted
     * @param max the largest accepted
     * @return a builder
     */
    public static Builder<Long> size(String name, long min, long max) {
        Builder<Long> b = new Builder<>(name, Kind.SIZE, v -> parseSize(v, min, max),
            "a size from " + formatSize(min) + " to " + formatSize(max) + ", such as 1048576, 512KiB or 16MiB");
        b.minimum = min;
        b.maximum = max;
        return b;
    }

    /**
     * Declares a setting taking one of a few words, case-insensitive; the value read is the word as declared.
     *
     * @param name the property name
     * @param choices the accepted words
     * @return a builder
     */
    public static Builder<String> choice(String name, String... choices) {
        List<String> list = List.of(choices);
        Builder<String> b = new Builder<>(name, Kind.CHOICE, v -> {
            for (String c : list) {
                if (c.equalsIgnoreCase(v)) {
                    return c;
                }
            }
            throw new IllegalArgumentException();
        }, "one of " + String.join(", ", list));
        b.choices = list;
        return b;
    }

    /**
     * Declares a file or folder path setting (its existence is checked by whoever reads it).
     *
     * @param name the property name
     * @return a builder
     */
    public static Builder<Path> path(String name) {
        return new Builder<>(name, Kind.PATH, v -> {
            try {
                return Path.of(v);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException();
            }
        }, "a file path");
    }

    /** @return the property name, such as {@code branchline.timeout.connect} */
    public String name() {
        return name;
    }

    /** @return the environment variable, such as {@code BRANCHLINE_TIMEOUT_CONNECT}, or {@code null} when none */
    public String environmentName() {
        return environmentName;
    }

    /** @return the type of value */
    public Kind kind() {
        return kind;
    }

    /** @return the expected form, as error messages state it */
    public String expected() {
        return expected;
    }

    /** @return the value used when the setting is absent, or {@code null} when there is none */
    public T defaultValue() {
        return defaultValue;
    }

    /** @return the default as the README shows it, such as {@code 3s}; {@code —} when there is none */
    public String defaultText() {
        return defaultText != null ? defaultText : defaultValue == null ? "—" : show(defaultValue);
    }

    /** @return the smallest value accepted, or {@code null} when the kind has no order */
    public T minimum() {
        return minimum;
    }

    /** @return the largest value accepted, or {@code null} when the kind has no order */
    public T maximum() {
        return maximum;
    }

    /** @return the accepted words of a {@link Kind#CHOICE} setting, else an empty list */
    public List<String> choices() {
        return choices;
    }

    /** @return whether the value is secret: never shown in messages, logs or {@code toString()} */
    public boolean isSecret() {
        return secret;
    }

    /** @return one line saying what the setting does */
    public String meaning() {
        return meaning;
    }

    /** @return the setting this one needs to matter (it is an orphan without it), or {@code null} */
    public Setting<?> requires() {
        return requires;
    }

    /** @return the values of {@link #requires()} under which this setting matters; empty for any value */
    public List<String> requiresValues() {
        return requiresValues;
    }

    /** @return whether the name holds a region placeholder such as {@code <name>} */
    public boolean isPerRegion() {
        return PLACEHOLDER.matcher(name).find();
    }

    /**
     * The property name of one region's instance of a per-region setting.
     *
     * @param region the region's name
     * @return such as {@code branchline.region.westeurope.key}
     */
    public String nameFor(String region) {
        return PLACEHOLDER.matcher(name).replaceFirst(Matcher.quoteReplacement(region));
    }

    /**
     * The region a property names, when it is an instance of this per-region setting.
     *
     * @param property a property name
     * @return the region part, or {@code null} when the property is no instance of this setting
     */
    public String regionOf(String property) {
        Matcher m = PLACEHOLDER.matcher(name);
        if (!m.find()) {
            return null;
        }
        String prefix = name.substring(0, m.start());
        String suffix = name.substring(m.end());
        if (property.length() > prefix.length() + suffix.length() && property.startsWith(prefix) && property.endsWith(suffix)) {
            return property.substring(prefix.length(), property.length() - suffix.length());
        }
        return null;
    }

    /**
     * Parses a value as this setting does.
     *
     * @param value the raw value, trimmed and not blank
     * @return the parsed value
     * @throws IllegalArgumentException when malformed; its message, if any, says why
     */
    T parse(String value) {
        return parser.apply(value);
    }

    @Override
    public String toString() {
        return name;
    }

    private static String oneLine(String v) {
        for (int i = 0; i < v.length(); i++) {
            if (Character.isISOControl(v.charAt(i))) {
                throw new IllegalArgumentException("no control characters such as line breaks");
            }
        }
        return v;
    }

    private static Duration parseDuration(String v, Duration min, Duration max) {
        String lower = v.toLowerCase(Locale.ROOT);
        Duration d = null;
        if (ZERO.matcher(lower).matches()) {
            d = Duration.ZERO;
        } else {
            Matcher m = DURATION.matcher(lower);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                // compared in the unit given, so 999999999999h is out of range instead of overflowing
                long maxInUnit;
                switch (m.group(2)) {
                    case "ms": maxInUnit = max.toMillis(); break;
                    case "s": maxInUnit = max.toSeconds(); break;
                    case "m": maxInUnit = max.toMinutes(); break;
                    case "h": maxInUnit = max.toHours(); break;
                    default: maxInUnit = max.toDays(); break;
                }
                if (n > maxInUnit + 1) {
                    throw new IllegalArgumentException();
                }
                switch (m.group(2)) {
                    case "ms": d = Duration.ofMillis(n); break;
                    case "s": d = Duration.ofSeconds(n); break;
                    case "m": d = Duration.ofMinutes(n); break;
                    case "h": d = Duration.ofHours(n); break;
                    default: d = Duration.ofDays(n); break;
                }
            } else if (lower.startsWith("pt") || lower.startsWith("p")) {
                try {
                    d = Duration.parse(v.toUpperCase(Locale.ROOT));
                } catch (DateTimeParseException | ArithmeticException e) {
                    throw new IllegalArgumentException();
                }
            }
        }
        if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new IllegalArgumentException();
        }
        return d;
    }

    private static long parseSize(String v, long min, long max) {
        Matcher m = SIZE.matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException();
        }
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
        long bytes;
        try {
            bytes = Math.multiplyExact(Long.parseLong(m.group(1)), mult);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(); // NumberFormatException is one too
        }
        if (bytes < min || bytes > max) {
            throw new IllegalArgumentException();
        }
        return bytes;
    }

    static String format(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        if (d.toMillis() % 1000 != 0 || d.compareTo(Duration.ofSeconds(1)) < 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0 && s >= 120) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    static String formatSize(long bytes) {
        if (bytes >= 1024L * 1024 * 1024 && bytes % (1024L * 1024 * 1024) == 0) {
            return bytes / (1024L * 1024 * 1024) + "GiB";
        }
        if (bytes >= 1024L * 1024 && bytes % (1024L * 1024) == 0) {
            return bytes / (1024L * 1024) + "MiB";
        }
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return bytes / 1024 + "KiB";
        }
        return Long.toString(bytes);
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private String show(T value) {
        switch (kind) {
            case DURATION: return format((Duration) value);
            case SIZE: return formatSize((Long) value);
            case DECIMAL: return plain((Double) value);
            default: return String.valueOf(value);
        }
    }

    /**
     * Builds a {@link Setting}.
     *
     * @param <T> the parsed value's type
     */
    public static final class Builder<T> {
        private final String name;
        private final Kind kind;
        private final Function<String, T> parser;
        private String expected;
        private String environmentName;
        private T defaultValue;
        private String defaultText;
        private T minimum;
        private T maximum;
        private List<String> choices = List.of();
        private boolean secret;
        private String meaning;
        private Setting<?> requires;
        private List<String> requiresValues = List.of();

        private Builder(String name, Kind kind, Function<String, T> parser, String expected) {
            Objects.requireNonNull(name, "name");
            if (!name.startsWith("branchline.") || !name.equals(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("A setting's name is lower case and starts with branchline., was " + name);
            }
            this.name = name;
            this.kind = kind;
            this.parser = parser;
            this.expected = Objects.requireNonNull(expected, "expected");
            this.environmentName = Setting.environmentName(name);
        }

        /**
         * Sets the environment variable; by default the name upper-cased with dots and dashes as underscores.
         *
         * @param environmentName the variable, or {@code null} when the setting has no environment form
         * @return this builder
         */
        public Builder<T> environmentName(String environmentName) {
            this.environmentName = environmentName;
            return this;
        }

        /**
         * Sets the value used when the setting is absent.
         *
         * @param value the default
         * @return this builder
         */
        public Builder<T> defaultValue(T value) {
            this.defaultValue = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * Describes a default that is no fixed value, such as {@code host name}.
         *
         * @param text the description
         * @return this builder
         */
        public Builder<T> defaultText(String text) {
            this.defaultText = Objects.requireNonNull(text, "text");
            return this;
        }

        /**
         * Replaces the expected form stated in error messages.
         *
         * @param expected such as {@code "an HTTP proxy URL such as http://proxy.corp:3128"}
         * @return this builder
         */
        public Builder<T> expected(String expected) {
            this.expected = Objects.requireNonNull(expected, "expected");
            return this;
        }

        /**
         * Marks the value secret: never shown in messages, logs or {@code toString()}.
         *
         * @return this builder
         */
        public Builder<T> secret() {
            this.secret = true;
            return this;
        }

        /**
         * Sets the one-line meaning shown in the README.
         *
         * @param meaning the meaning
         * @return this builder
         */
        public Builder<T> meaning(String meaning) {
            this.meaning = Objects.requireNonNull(meaning, "meaning");
            return this;
        }

        /**
         * Declares that this setting matters only when another is set (to one of the given values, when any are
         * given); without it, this one is reported as an orphan.
         *
         * @param other the setting needed
         * @param values the values of {@code other} under which this one matters; none for any value
         * @return this builder
         */
        public Builder<T> requires(Setting<?> other, String... values) {
            this.requires = Objects.requireNonNull(other, "other");
            this.requiresValues = Arrays.stream(values).map(v -> v.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableList());
            return this;
        }

        /**
         * Builds the declaration.
         *
         * @return the setting
         */
        public Setting<T> build() {
            if (meaning == null) {
                throw new IllegalStateException("Setting " + name + " has no meaning: every setting says what it does");
            }
            return new Setting<>(this);
        }
    }
}
