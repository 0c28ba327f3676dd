package io.branchline.core.models;

import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts of the client's transport and calls. Immutable; start from {@link #DEFAULT} or {@link #builder()}.
 *
 * <p><strong>Example</strong></p>
 *
 * <!-- src_embed io.branchline.core.models.TimeoutOptions -->
 * <pre>
 * builder.timeouts&#40;TimeoutOptions.builder&#40;&#41;
 *     .connect&#40;Duration.ofSeconds&#40;2&#41;&#41;
 *     .response&#40;Duration.ofSeconds&#40;5&#41;&#41;    &#47;&#47; per attempt, until the headers arrive
 *     .call&#40;Duration.ofSeconds&#40;15&#41;&#41;       &#47;&#47; the whole call, every attempt and wait included
 *     .build&#40;&#41;&#41;;
 * </pre>
 * <!-- end io.branchline.core.models.TimeoutOptions -->
 */
public final class TimeoutOptions {
    /** Default time to establish a TCP (and TLS) connection: 3 seconds. */
    public static final Duration DEFAULT_CONNECT = Duration.ofSeconds(3);
    /** Default time from sending a request to receiving the response headers, per attempt: 10 seconds. */
    public static final Duration DEFAULT_RESPONSE = Duration.ofSeconds(10);
    /** Default longest pause between two reads of the response body: 10 seconds. */
    public static final Duration DEFAULT_READ = Duration.ofSeconds(10);
    /** Default deadline of a whole call, every attempt and wait included: 30 seconds. */
    public static final Duration DEFAULT_CALL = Duration.ofSeconds(30);

    /** The defaults: connect 3 s, response 10 s, read 10 s, call 30 s. */
    public static final TimeoutOptions DEFAULT = builder().build();

    private final Duration connect;
    private final Duration response;
    private final Duration read;
    private final Duration call;

    private TimeoutOptions(Builder b) {
        this.connect = b.connect;
        this.response = b.response;
        this.read = b.read;
        this.call = b.call;
    }

    /**
     * Starts new options from the defaults.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a builder holding these options.
     *
     * @return a builder
     */
    public Builder toBuilder() {
        return new Builder().connect(connect).response(response).read(read).call(call);
    }

    /** @return the connect timeout */
    public Duration connect() {
        return connect;
    }

    /** @return the per-attempt time to response headers */
    public Duration response() {
        return response;
    }

    /** @return the longest pause between body reads */
    public Duration read() {
        return read;
    }

    /** @return the default deadline of a whole call */
    public Duration call() {
        return call;
    }

    @Override
    public String toString() {
        return "TimeoutOptions{connect=" + connect + ", response=" + response + ", read=" + read + ", call=" + call + '}';
    }

    /**
     * Builds {@link TimeoutOptions}.
     */
    public static final class Builder {
        private Duration connect = DEFAULT_CONNECT;
        private Duration response = DEFAULT_RESPONSE;
        private Duration read = DEFAULT_READ;
        private Duration call = DEFAULT_CALL;

        private Builder() {
        }

        /**
         * Sets the connect timeout.
         *
         * @param connect a positive duration
         * @return this builder
         */
        public Builder connect(Duration connect) {
            this.connect = positive(connect, "connect");
            return this;
        }

        /**
         * Sets the per-attempt time allowed until the response headers arrive.
         *
         * @param response a positive duration
         * @return this builder
         */
        public Builder response(Duration response) {
            this.response = positive(response, "response");
            return this;
        }

        /**
         * Sets the longest pause allowed between two reads of a response body.
         *
         * @param read a positive duration
         * @return this builder
         */
        public Builder read(Duration read) {
            this.read = positive(read, "read");
            return this;
        }

        /**
         * Sets the default deadline of a whole call; a request may set its own.
         *
         * @param call a positive duration
         * @return this builder
         */
        public Builder call(Duration call) {
            this.call = positive(call, "call");
            return this;
        }

        /**
         * Builds the options.
         *
         * @return immutable options
         */
        public TimeoutOptions build() {
            return new TimeoutOptions(this);
        }

        static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " timeout must be positive, was " + d);
            }
            return d;
        }
    }
}
