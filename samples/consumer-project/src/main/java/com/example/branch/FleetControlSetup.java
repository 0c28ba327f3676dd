package com.example.branch;

// BEGIN: readme.control
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.Region;
import io.branchline.routing.AppConfigurationControl;
import io.branchline.routing.ControlSource;
import io.branchline.routing.NearestRegionRouter;

import java.nio.file.Path;

final class FleetControlSetup {
    static FunctionClient controlledClient(Region ne, String appConfigConnectionString) {
        Region we = Region.builder("westeurope", "https://orders-we.azurewebsites.net")
            .functionKeyFromFile(Path.of("/etc/branchline/westeurope.key"))
            .slot("staging", "https://orders-we-staging.azurewebsites.net")   // for canary releases
            .slotFunctionKeyFromFile(Path.of("/etc/branchline/westeurope-staging.key"))
            .build();
        return new FunctionClientBuilder()
            .region(we).region(ne)
            .router(NearestRegionRouter.builder()
                .control(AppConfigurationControl.builder()                 // fleet-wide, per group, per branch
                    .connectionString(appConfigConnectionString)
                    .environment("production").group("north").branch("branch-042")
                    .build())
                .control(ControlSource.file(Path.of("/etc/branchline/control.properties")))   // local file wins
                .lastKnownGood(Path.of("/var/lib/branchline/routing.state"))   // the last good control beside it
                .build())
            .buildClient();
    }
}
// END: readme.control
