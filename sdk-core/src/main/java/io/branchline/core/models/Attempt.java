package io.branchline.core.models;

import java.time.Duration;
import java.util.Objects;

/**
 * One attempt of a call: which region it went to, how it ended and how long it took.
 *
 * @param region the name of the region the attempt went to
 * @param number the attempt's position in the call, starting at 1
 * @param outcome how the attempt ended
 * @param statusCode the HTTP status the region answered, or 0 when it did not answer
 * @param latency the time from sending the request to the end of the attempt
 * @param retryAfter the delay the region asked for (Retry-After), or {@code null}
 * @param error a short description of the failure (never containing secrets), or {@code null} on success
 * @param hedged whether the attempt was a hedge sent while an earlier attempt was still in flight
 */
public record Attempt(String region, int number, AttemptOutcome outcome, int statusCode, Duration latency,
    Duration retryAfter, String error, boolean hedged) {

    /**
     * Validates the attempt's fields.
     *
     * @param region the region's name
     * @param number the attempt number
     * @param outcome the outcome
     * @param statusCode the status or 0
     * @param latency the latency
     * @param retryAfter the Retry-After delay or {@code null}
     * @param error the failure description or {@code null}
     * @param hedged whether the attempt was a hedge
     */
    public Attempt {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(latency, "latency");
    }

    /**
     * A one-line description, such as {@code westeurope: SERVER_ERROR 503 after 12 ms}.
     *
     * @return the description
     */
    public String describe() {
        StringBuilder sb = new StringBuilder(region).append(": ").append(outcome);
        if (statusCode > 0) {
            sb.append(' ').append(statusCode);
        }
        if (error != null && !error.isEmpty()) {
            sb.append(" (").append(error).append(')');
        }
        sb.append(" after ").append(latency.toMillis()).append(" ms");
        if (retryAfter != null) {
            sb.append(", retry after ").append(retryAfter.toMillis()).append(" ms");
        }
        if (hedged) {
            sb.append(", hedged");
        }
        return sb.toString();
    }
}
