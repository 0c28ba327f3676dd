package io.branchline.core.models;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of what the router knows about one region, for dashboards, metrics and health endpoints.
 *
 * @param region the region's name
 * @param health the health the router believes in
 * @param breaker the state of the region's circuit breaker
 * @param latency the smoothed latency estimate, or {@code null} when nothing was measured yet
 * @param throttledUntil the instant before which the region is not called because it asked to back off, or {@code null}
 * @param weight the share of traffic the region may take during slow start, from 0.0 to 1.0
 * @param inFlight the number of attempts to the region in flight now
 * @param control what the operator's run-time control does to the region, such as
 *     {@code "excluded (drained) by file /etc/branchline/control.properties"}, {@code "pinned"},
 *     {@code "weight 50"}, {@code "concurrency limit 10"} or {@code "canary 10 % to slot staging"}, separated by
 *     {@code "; "}; empty when none
 * @param branchLinkDown whether the router believes the branch's own link to Azure is down (every region refused
 *     connections at once): the region is out of reach, not at fault; the same for every region
 */
public record RegionStatus(String region, RegionHealth health, BreakerState breaker, Duration latency,
    Instant throttledUntil, double weight, int inFlight, String control, boolean branchLinkDown) {

    /**
     * A status without run-time control, with the branch's link up.
     *
     * @param region the region's name
     * @param health the health
     * @param breaker the breaker state
     * @param latency the latency estimate or {@code null}
     * @param throttledUntil the throttling end or {@code null}
     * @param weight the slow-start weight
     * @param inFlight attempts in flight
     */
    public RegionStatus(String region, RegionHealth health, BreakerState breaker, Duration latency,
        Instant throttledUntil, double weight, int inFlight) {
        this(region, health, breaker, latency, throttledUntil, weight, inFlight, "", false);
    }

    /**
     * A status with the branch's link up.
     *
     * @param region the region's name
     * @param health the health
     * @param breaker the breaker state
     * @param latency the latency estimate or {@code null}
     * @param throttledUntil the throttling end or {@code null}
     * @param weight the slow-start weight
     * @param inFlight attempts in flight
     * @param control the run-time control applied to it, empty when none
     */
    public RegionStatus(String region, RegionHealth health, BreakerState breaker, Duration latency,
        Instant throttledUntil, double weight, int inFlight, String control) {
        this(region, health, breaker, latency, throttledUntil, weight, inFlight, control, false);
    }

    /**
     * Validates the snapshot.
     *
     * @param region the region's name
     * @param health the health
     * @param breaker the breaker state
     * @param latency the latency estimate or {@code null}
     * @param throttledUntil the throttling end or {@code null}
     * @param weight the slow-start weight
     * @param inFlight attempts in flight
     * @param control the run-time control applied to it, empty when none
     * @param branchLinkDown whether the branch's link is down
     */
    public RegionStatus {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(breaker, "breaker");
        control = control == null ? "" : control;
    }
}
