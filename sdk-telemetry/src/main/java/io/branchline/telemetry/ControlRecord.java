package io.branchline.telemetry;

import java.time.Instant;
import java.util.Map;

/**
 * A change of the operator's run-time control, sent as one {@code customEvents} item named
 * {@value Envelopes#CONTROL_EVENT}: when, from where, what changed and what it was before.
 */
record ControlRecord(Instant time, String source, String description, Map<String, String> changes) {
}
