package io.branchline.routing;

/**
 * How {@link NearestRegionRouter} orders the available regions. Whatever the strategy, regions pinned by
 * configuration come first, and regions that are unhealthy, throttled or whose circuit is open are left out.
 */
public enum RoutingStrategy {
    /**
     * Lowest smoothed latency first, with hysteresis: the current leader keeps the lead until a challenger is
     * faster by both the relative and the absolute margin. Regions not measured yet follow, by priority then
     * configuration order.
     */
    NEAREST,
    /** Lowest {@linkplain io.branchline.core.Region#priority() priority} number first; nearest among equals. */
    PRIORITY,
    /**
     * The first region is drawn at random in proportion to the regions' {@linkplain io.branchline.core.Region#weight()
     * weights} (reduced during slow start); the others follow nearest first.
     */
    WEIGHTED
}
