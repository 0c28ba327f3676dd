package com.example.branch;

// BEGIN: readme.properties
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.routing.NearestRegionRouter;
import io.branchline.telemetry.AzureMonitorExporter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

public final class PropertiesApp {
    public static void main(String[] args) throws IOException {
        Properties settings = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(args.length > 0 ? args[0] : "branchline.properties"))) {
            settings.load(in);
        }
        // Azure Monitor only when the file holds branchline.telemetry.connection-string.
        AzureMonitorExporter exporter = AzureMonitorExporter.isConfigured(settings)
            ? AzureMonitorExporter.fromProperties(settings).build() : null;
        FunctionClientBuilder builder = FunctionClientBuilder.fromProperties(settings)
            .router(NearestRegionRouter.fromProperties(settings).build());   // branchline.routing.*
        if (exporter != null) {
            builder.addListener(exporter);
        }
        try (FunctionClient client = builder.buildClient()) {
            System.out.println(client.invoke(
                FunctionRequest.get("/api/orders/{id}").pathParam("id", "42").build()).bodyAsString());
        } finally {
            if (exporter != null) {
                exporter.close();   // after the client: sends what is queued, or spools it to disk
            }
        }
    }
}
// END: readme.properties
