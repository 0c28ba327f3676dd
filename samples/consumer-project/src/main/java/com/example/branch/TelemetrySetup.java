package com.example.branch;

// BEGIN: readme.telemetry
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.routing.NearestRegionRouter;
import io.branchline.telemetry.AzureMonitorExporter;
import io.branchline.telemetry.BranchlineMetrics;
import io.branchline.telemetry.ConnectionString;
import io.micrometer.core.instrument.MeterRegistry;

import java.nio.file.Path;

final class TelemetrySetup {
    static void run(Region we, Region ne, MeterRegistry registry) {
        BranchlineMetrics metrics = BranchlineMetrics.create("orders-relay");   // the client tag of every meter
        metrics.bindTo(registry);
        try (AzureMonitorExporter exporter = AzureMonitorExporter.builder()
                .connectionString(ConnectionString.fromEnvironment())   // APPLICATIONINSIGHTS_CONNECTION_STRING
                .roleName("orders-relay").roleInstance("branch-042")
                .spoolDirectory(Path.of("/var/lib/branchline/telemetry"))
                .build();
             FunctionClient client = new FunctionClientBuilder()
                .region(we).region(ne)
                .router(NearestRegionRouter.create())
                .addListener(exporter).addListener(metrics)
                .buildClient()) {
            client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "42").build());
        }   // the client closes first, then the exporter sends what is queued (or spools it)
    }
}
// END: readme.telemetry
