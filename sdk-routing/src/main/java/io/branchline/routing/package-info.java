/**
 * The health-aware region router: {@link io.branchline.routing.NearestRegionRouter} with its options
 * {@link io.branchline.routing.HealthProbeOptions}, {@link io.branchline.routing.BreakerOptions} and
 * {@link io.branchline.routing.RoutingStrategy}.
 */
package io.branchline.routing;
