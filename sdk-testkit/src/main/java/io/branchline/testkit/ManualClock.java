package io.branchline.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UTC clock that moves only when a test says so. Give it to {@code FunctionClientBuilder.clock(...)} or an
 * exporter's builder so that open times, throttles, dwell times and back-offs pass without waiting. Thread-safe.
 */
public final class ManualClock extends Clock {
    /** The instant a clock made with {@link #ManualClock()} starts at: {@value}. */
    public static final String DEFAULT_START = "2030-01-01T08:00:00Z";

    private final AtomicLong millis;

    /** A clock standing at {@link #DEFAULT_START}. */
    public ManualClock() {
        this(Instant.parse(DEFAULT_START));
    }

    /**
     * A clock standing at the given instant.
     *
     * @param start the instant
     */
    public ManualClock(Instant start) {
        this.millis = new AtomicLong(Objects.requireNonNull(start, "start").toEpochMilli());
    }

    /**
     * Moves the clock forward.
     *
     * @param duration how far, zero or more
     * @return the new instant
     */
    public Instant advance(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("A clock only moves forward; duration was " + duration);
        }
        return Instant.ofEpochMilli(millis.addAndGet(duration.toMillis()));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public String toString() {
        return "ManualClock{" + instant() + '}';
    }
}
