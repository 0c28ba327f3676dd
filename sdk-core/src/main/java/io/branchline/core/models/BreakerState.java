package io.branchline.core.models;

/**
 * The state of a region's circuit breaker.
 */
public enum BreakerState {
    /** Calls flow normally. */
    CLOSED,
    /** Calls are not sent to the region until the open time has passed. */
    OPEN,
    /** A few trial calls decide whether the breaker closes or opens again. */
    HALF_OPEN,
    /** The router has no breaker for the region. */
    NONE
}
