package io.branchline.core.models;

import java.time.Duration;

/**
 * The result of one health probe sent through the client's transport.
 *
 * @param region the probed region's name
 * @param statusCode the HTTP status answered, or 0 when the region did not answer
 * @param latency the time the probe took
 * @param outcome how the probe ended, classified like a call attempt
 * @param error a short description of the failure, or {@code null}
 * @param cold whether the health function said its instance is warming up (the {@link Attempt#COLD_START_HEADER}
 *     header)
 */
public record ProbeResult(String region, int statusCode, Duration latency, AttemptOutcome outcome, String error,
    boolean cold) {

    /**
     * A probe result not marked cold.
     *
     * @param region the probed region's name
     * @param statusCode the status or 0
     * @param latency the time the probe took
     * @param outcome how it ended
     * @param error the failure or {@code null}
     */
    public ProbeResult(String region, int statusCode, Duration latency, AttemptOutcome outcome, String error) {
        this(region, statusCode, latency, outcome, error, false);
    }

    /**
     * Whether the region answered with a status in the given inclusive range.
     *
     * @param low the lowest accepted status
     * @param high the highest accepted status
     * @return {@code true} when the status is within range
     */
    public boolean statusWithin(int low, int high) {
        return statusCode >= low && statusCode <= high;
    }
}
