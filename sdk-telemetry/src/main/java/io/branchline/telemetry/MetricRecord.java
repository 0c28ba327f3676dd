package io.branchline.telemetry;

import java.time.Instant;

/** One metric data point for one region, never sampled. */
record MetricRecord(Instant time, String name, double value, String region) {
}
