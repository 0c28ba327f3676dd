package io.branchline.core.models;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A change of the run-time control an operator applied to a running client (a drain, a pin, a canary, hedging
 * turned off...), as it reaches {@code CallListener.controlChanged}: when, from where, and what changed. Applied to
 * the next route plan; calls already in flight keep theirs.
 *
 * @param at when the change was applied
 * @param source where it came from, such as {@code file /etc/branchline/control.properties} or
 *     {@code App Configuration https://fleet.azconfig.io (labels: production, group=north)}; never holds a secret
 * @param changes each changed setting with its new value ({@code ""} when it was removed), such as
 *     {@code exclude=westeurope}
 * @param previous the same settings' values before the change ({@code ""} when they were not set)
 * @param notChangeable names the source holds that cannot change at run time (ignored, reported once)
 */
public record ControlChange(Instant at, String source, Map<String, String> changes, Map<String, String> previous,
    List<String> notChangeable) {

    /**
     * Validates and copies the change.
     *
     * @param at when
     * @param source from where
     * @param changes new values
     * @param previous old values
     * @param notChangeable ignored names
     */
    public ControlChange {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(source, "source");
        changes = Map.copyOf(changes);
        previous = Map.copyOf(previous);
        notChangeable = List.copyOf(notChangeable);
    }

    /** @return the change as one line, such as {@code exclude: "" -> "westeurope"; hedge-reads: "" -> "false"} */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        new java.util.TreeMap<>(changes).forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "; ").append(k)
            .append(": \"").append(previous.getOrDefault(k, "")).append("\" -> \"").append(v).append('"'));
        return sb.toString();
    }
}
