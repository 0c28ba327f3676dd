/**
 * Branchline routing: the router that sends each call to the nearest healthy region, with health probes, smoothed
 * latency, circuit breakers, throttling, failback with slow start and a last-known-good file.
 */
module io.branchline.routing {
    requires transitive io.branchline.core;
    requires io.github.resilience4j.circuitbreaker;
    requires io.github.resilience4j.core;
    requires com.github.benmanes.caffeine;
    requires com.azure.data.appconfiguration;

    exports io.branchline.routing;

    provides io.branchline.core.spi.ClientExtension with io.branchline.routing.RoutingExtension;
}
