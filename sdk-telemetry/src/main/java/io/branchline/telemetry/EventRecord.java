package io.branchline.telemetry;

import java.time.Instant;
import java.util.Map;

/** One custom event (an {@code EventData} item), such as the branch's link going down; never sampled. */
record EventRecord(Instant time, String name, Map<String, String> properties) {
}
