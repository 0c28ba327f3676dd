package io.branchline.core.models;

/**
 * What the router believes about a region's health.
 */
public enum RegionHealth {
    /** No probe or call has told yet. */
    UNKNOWN,
    /** Probes and calls succeed. */
    HEALTHY,
    /** Probes or calls fail more than tolerated. */
    UNHEALTHY
}
