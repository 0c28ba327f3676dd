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
 * @param cold whether the answer came from a cold instance: the function marked it with the
 *     {@value #COLD_START_HEADER} header (its latency says nothing about the region's distance or health)
 */
public record Attempt(String region, int number, AttemptOutcome outcome, int statusCode, Duration latency,
    Duration retryAfter, String error, boolean hedged, boolean cold) {

    /**
     * The response header a function adds while its instance is warming up (a new instance after a scale-out or a
     * restart), so that clients do not judge the region by that instance's first, slow answers: {@value}. Any value
     * but {@code 0} or {@code false} counts.
     */
    public static final String COLD_START_HEADER = "x-branchline-cold-start";

    /**
     * An attempt not marked cold.
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
    public Attempt(String region, int number, AttemptOutcome outcome, int statusCode, Duration latency,
        Duration retryAfter, String error, boolean hedged) {
        this(region, number, outcome, statusCode, latency, retryAfter, error, hedged, false);
    }

    /**
     * Whether a header value marks an answer as cold.
     *
     * @param value the {@value #COLD_START_HEADER} header's value, or {@code null}
     * @return {@code true} when present and neither {@code 0} nor {@code false}
     */
    public static boolean isColdMark(String value) {
        return value != null && !value.equals("0") && !value.equalsIgnoreCase("false");
    }

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
     * @param cold whether the answer came from a cold instance
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
        if (cold) {
            sb.append(", cold instance");
        }
        return sb.toString();
    }
}
