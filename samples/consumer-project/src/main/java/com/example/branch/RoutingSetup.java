package com.example.branch;

// BEGIN: readme.routing
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.Region;
import io.branchline.routing.HealthProbeOptions;
import io.branchline.routing.NearestRegionRouter;

import java.nio.file.Path;
import java.time.Duration;

final class RoutingSetup {
    static FunctionClient nearestRegionClient(Region we, Region ne, Region us) {
        return new FunctionClientBuilder()
            .region(we).region(ne).region(us)
            .router(NearestRegionRouter.builder()
                .healthProbe(HealthProbeOptions.builder().path("/api/health").interval(Duration.ofSeconds(5)).build())
                .failbackDwell(Duration.ofSeconds(10))
                .lastKnownGood(Path.of("/var/lib/branchline/routing.state"))
                .build())
            .buildClient();
    }
}
// END: readme.routing
