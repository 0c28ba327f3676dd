package com.example.branch;

import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.Region;
import io.branchline.routing.HealthProbeOptions;
import io.branchline.routing.NearestRegionRouter;

import java.nio.file.Path;
import java.time.Duration;

/** The README's routing example. */
final class RoutingSetup {
    private RoutingSetup() {
    }

    static FunctionClient nearestRegionClient() {
        Region we = Region.builder("westeurope", "https://orders-we.azurewebsites.net")
            .functionKeyFromFile(Path.of("/etc/branchline/westeurope.key")).build();
        Region ne = Region.builder("northeurope", "https://orders-ne.azurewebsites.net")
            .functionKeyFromFile(Path.of("/etc/branchline/northeurope.key")).build();
        Region us = Region.builder("eastus", "https://orders-us.azurewebsites.net")
            .functionKeyFromFile(Path.of("/etc/branchline/eastus.key")).build();
        // BEGIN: readme.routing
        FunctionClient client = new FunctionClientBuilder()
            .region(we).region(ne).region(us)
            .router(NearestRegionRouter.builder()
                .healthProbe(HealthProbeOptions.builder().path("/api/health").interval(Duration.ofSeconds(5)).build())
                .failbackDwell(Duration.ofSeconds(10))
                .lastKnownGood(Path.of("/var/lib/branchline/routing.state"))
                .build())
            .buildClient();
        // END: readme.routing
        return client;
    }
}
