package io.branchline.routing;

import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How {@link NearestRegionRouter} probes each region's health in the background. Probes go through the client's own
 * transport (proxy, TLS trust, function key or token), on the client's scheduler, never on a caller's thread; a
 * probe never overlaps the previous one of the same region. Immutable; start from {@link #DEFAULT},
 * {@link #hostPing()}, {@link #disabled()} or {@link #builder()}.
 *
 * <p><strong>Example</strong></p>
 *
 * <!-- src_embed io.branchline.routing.HealthProbeOptions -->
 * <pre>
 * HealthProbeOptions probes = HealthProbeOptions.builder&#40;&#41;
 *     .path&#40;&quot;&#47;api&#47;health&quot;&#41;
 *     .interval&#40;Duration.ofSeconds&#40;5&#41;&#41;
 *     .timeout&#40;Duration.ofSeconds&#40;2&#41;&#41;
 *     .unhealthyThreshold&#40;2&#41;        &#47;&#47; two failed probes in a row: unhealthy
 *     .expectedStatus&#40;200, 299&#41;
 *     .build&#40;&#41;;
 * NearestRegionRouter router = NearestRegionRouter.builder&#40;&#41;.healthProbe&#40;probes&#41;.build&#40;&#41;;
 * </pre>
 * <!-- end io.branchline.routing.HealthProbeOptions -->
 */
public final class HealthProbeOptions {
    /** Default probe path: {@value}, an anonymous health function. */
    public static final String DEFAULT_PATH = "/api/health";
    /** The Functions host's own ping path: {@value}. */
    public static final String HOST_PING_PATH = "/admin/host/ping";
    /** Default HTTP method: {@value}. */
    public static final String DEFAULT_METHOD = "GET";
    /** The methods a probe may use: {@code GET}, {@code HEAD} and {@code OPTIONS}, which never change state. */
    public static final java.util.List<String> METHODS = java.util.List.of("GET", "HEAD", "OPTIONS");
    /** Default interval between two probes of one region: 5 seconds. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    /**
     * Default interval between two probes of a region that is out (unhealthy by probe, or its circuit open): 1
     * second, so that a region's return is seen within about a second rather than a whole interval later.
     */
    public static final Duration DEFAULT_UNHEALTHY_INTERVAL = Duration.ofSeconds(1);
    /** Default jitter, as a fraction of the interval: {@value}. */
    public static final double DEFAULT_JITTER = 0.2;
    /** Default probe timeout: 2 seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** Default consecutive failed probes before a region is unhealthy: {@value}. */
    public static final int DEFAULT_UNHEALTHY_THRESHOLD = 2;
    /** Default consecutive passed probes before an unhealthy region is healthy again: {@value}. */
    public static final int DEFAULT_HEALTHY_THRESHOLD = 2;

    /** The defaults: {@code GET /api/health} every 5 s ± 20 %, timeout 2 s, 2 failures / 2 successes, 2xx. */
    public static final HealthProbeOptions DEFAULT = builder().build();

    private static final HealthProbeOptions DISABLED = new HealthProbeOptions(builder(), false);

    private final boolean enabled;
    private final String path;
    private final String method;
    private final Duration interval;
    private final Duration unhealthyInterval;
    private final double jitter;
    private final Duration timeout;
    private final int unhealthyThreshold;
    private final int healthyThreshold;
    private final int expectedLow;
    private final int expectedHigh;
    private final Map<String, String> headers;

    private HealthProbeOptions(Builder b, boolean enabled) {
        this.enabled = enabled;
        this.path = b.path;
        this.method = b.method;
        this.interval = b.interval;
        this.unhealthyInterval = b.unhealthyInterval;
        this.jitter = b.jitter;
        this.timeout = b.timeout;
        this.unhealthyThreshold = b.unhealthyThreshold;
        this.healthyThreshold = b.healthyThreshold;
        this.expectedLow = b.expectedLow;
        this.expectedHigh = b.expectedHigh;
        this.headers = Collections.unmodifiableMap(new TreeMap<>(b.headers));
    }

    /**
     * Starts options from the defaults.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Probes the Functions host's {@value #HOST_PING_PATH} instead of a health function; otherwise the defaults.
     *
     * @return the options
     */
    public static HealthProbeOptions hostPing() {
        return builder().path(HOST_PING_PATH).build();
    }

    /**
     * No active probes: health is learnt from calls only, and open circuits recover through half-open trial calls.
     *
     * @return the options
     */
    public static HealthProbeOptions disabled() {
        return DISABLED;
    }

    /**
     * Starts a builder holding these options.
     *
     * @return a builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.path = path;
        b.method = method;
        b.interval = interval;
        b.unhealthyInterval = unhealthyInterval;
        b.jitter = jitter;
        b.timeout = timeout;
        b.unhealthyThreshold = unhealthyThreshold;
        b.healthyThreshold = healthyThreshold;
        b.expectedLow = expectedLow;
        b.expectedHigh = expectedHigh;
        b.headers.putAll(headers);
        return b;
    }

    /** @return whether probes are sent */
    public boolean isEnabled() {
        return enabled;
    }

    /** @return the probed path */
    public String path() {
        return path;
    }

    /** @return the HTTP method */
    public String method() {
        return method;
    }

    /** @return the interval between two probes of one region */
    public Duration interval() {
        return interval;
    }

    /**
     * The interval between two probes of a region that is out: unhealthy by probe or with its circuit open. Never
     * longer than {@link #interval()}: the shorter of the two applies.
     *
     * @return the interval while a region is out
     */
    public Duration unhealthyInterval() {
        return unhealthyInterval.compareTo(interval) < 0 ? unhealthyInterval : interval;
    }

    /** @return the jitter, as a fraction of the interval */
    public double jitter() {
        return jitter;
    }

    /** @return the probe timeout */
    public Duration timeout() {
        return timeout;
    }

    /** @return consecutive failed probes before a region is unhealthy */
    public int unhealthyThreshold() {
        return unhealthyThreshold;
    }

    /** @return consecutive passed probes before an unhealthy region is healthy again */
    public int healthyThreshold() {
        return healthyThreshold;
    }

    /** @return the lowest status a passing probe may answer */
    public int expectedStatusLow() {
        return expectedLow;
    }

    /** @return the highest status a passing probe may answer */
    public int expectedStatusHigh() {
        return expectedHigh;
    }

    /** @return the extra headers sent with every probe */
    public Map<String, String> headers() {
        return headers;
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "HealthProbeOptions{disabled}";
        }
        return "HealthProbeOptions{" + method + ' ' + path + ", interval=" + interval + ", unhealthyInterval=" + unhealthyInterval() + ", jitter=" + jitter
            + ", timeout=" + timeout + ", unhealthyThreshold=" + unhealthyThreshold + ", healthyThreshold="
            + healthyThreshold + ", expected=" + expectedLow + '-' + expectedHigh + ", headers=" + headers.keySet() + '}';
    }

    /**
     * Builds {@link HealthProbeOptions}. Not thread-safe.
     */
    public static final class Builder {
        private String path = DEFAULT_PATH;
        private String method = DEFAULT_METHOD;
        private Duration interval = DEFAULT_INTERVAL;
        private Duration unhealthyInterval = DEFAULT_UNHEALTHY_INTERVAL;
        private double jitter = DEFAULT_JITTER;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int unhealthyThreshold = DEFAULT_UNHEALTHY_THRESHOLD;
        private int healthyThreshold = DEFAULT_HEALTHY_THRESHOLD;
        private int expectedLow = 200;
        private int expectedHigh = 299;
        private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

        private Builder() {
        }

        /**
         * Sets the probed path; default {@value HealthProbeOptions#DEFAULT_PATH}.
         *
         * @param path an absolute path such as {@code /api/health}
         * @return this builder
         */
        public Builder path(String path) {
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/") || path.indexOf('?') >= 0) {
                throw new IllegalArgumentException("probe path must start with '/' and hold no query, was '" + path + "'");
            }
            this.path = path;
            return this;
        }

        /**
         * Sets the HTTP method; default {@value HealthProbeOptions#DEFAULT_METHOD}.
         *
         * @param method such as {@code GET} or {@code HEAD}
         * @return this builder
         */
        public Builder method(String method) {
            Objects.requireNonNull(method, "method");
            String m = method.trim().toUpperCase(Locale.ROOT);
            if (!METHODS.contains(m)) {
                throw new IllegalArgumentException("probe method must be one of " + String.join(", ", METHODS) + ", was '"
                    + method + "'");
            }
            this.method = m;
            return this;
        }

        /**
         * Sets the interval between two probes of one region; default 5 seconds.
         *
         * @param interval at least 10 milliseconds
         * @return this builder
         */
        public Builder interval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.toMillis() < 10) {
                throw new IllegalArgumentException("probe interval must be at least 10 ms, was " + interval);
            }
            this.interval = interval;
            return this;
        }

        /**
         * Sets the interval between two probes of a region that is out (unhealthy by probe, or its circuit open);
         * default 1 second. The region's return is seen at most this long (plus jitter) after it answers again, so
         * failback does not wait for a whole {@link #interval(Duration) interval}; as Envoy's
         * {@code unhealthy_interval}. A value longer than the interval is cut to it.
         *
         * @param interval at least 10 milliseconds
         * @return this builder
         */
        public Builder unhealthyInterval(Duration interval) {
            Objects.requireNonNull(interval, "unhealthyInterval");
            if (interval.toMillis() < 10) {
                throw new IllegalArgumentException("probe unhealthyInterval must be at least 10 ms, was " + interval);
            }
            this.unhealthyInterval = interval;
            return this;
        }

        /**
         * Sets the jitter: each delay is the interval times a random factor in {@code [1 - jitter, 1 + jitter]}, so
         * branches never probe in step; default {@value HealthProbeOptions#DEFAULT_JITTER}.
         *
         * @param jitter from 0.0 to 0.5
         * @return this builder
         */
        public Builder jitter(double jitter) {
            if (!(jitter >= 0.0 && jitter <= 0.5)) {
                throw new IllegalArgumentException("probe jitter must be from 0.0 to 0.5, was " + jitter);
            }
            this.jitter = jitter;
            return this;
        }

        /**
         * Sets the probe timeout; default 2 seconds.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("probe timeout must be positive, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Sets how many consecutive probes must fail before a region is unhealthy; default
         * {@value HealthProbeOptions#DEFAULT_UNHEALTHY_THRESHOLD}.
         *
         * @param failures from 1 to 100
         * @return this builder
         */
        public Builder unhealthyThreshold(int failures) {
            this.unhealthyThreshold = threshold(failures, "unhealthyThreshold");
            return this;
        }

        /**
         * Sets how many consecutive probes must pass before an unhealthy region is healthy again; default
         * {@value HealthProbeOptions#DEFAULT_HEALTHY_THRESHOLD}.
         *
         * @param successes from 1 to 100
         * @return this builder
         */
        public Builder healthyThreshold(int successes) {
            this.healthyThreshold = threshold(successes, "healthyThreshold");
            return this;
        }

        /**
         * Sets the inclusive range of statuses a passing probe answers; default 200 to 299.
         *
         * @param low the lowest status, from 100
         * @param high the highest status, up to 599 and not below {@code low}
         * @return this builder
         */
        public Builder expectedStatus(int low, int high) {
            if (low < 100 || high > 599 || high < low) {
                throw new IllegalArgumentException("expected probe status range must lie within 100-599 with low <= high,"
                    + " was " + low + '-' + high);
            }
            this.expectedLow = low;
            this.expectedHigh = high;
            return this;
        }

        /**
         * Adds a header sent with every probe (the region's function key or token is added by the client).
         *
         * @param name the header's name
         * @param value its value
         * @return this builder
         */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (name.isBlank()) {
                throw new IllegalArgumentException("probe header name is blank");
            }
            headers.put(name, value);
            return this;
        }

        /**
         * Builds the options.
         *
         * @return immutable options with probes enabled
         */
        public HealthProbeOptions build() {
            return new HealthProbeOptions(this, true);
        }

        private static int threshold(int n, String name) {
            if (n < 1 || n > 100) {
                throw new IllegalArgumentException(name + " must be from 1 to 100, was " + n);
            }
            return n;
        }
    }
}
