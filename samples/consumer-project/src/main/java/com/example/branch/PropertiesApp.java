package com.example.branch;

// BEGIN: readme.properties
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;

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
        // With branchline-routing on the class path: the nearest-region router (branchline.routing.*). With
        // branchline-telemetry and branchline.telemetry.connection-string: Azure Monitor, closed with the client.
        try (FunctionClient client = FunctionClientBuilder.fromProperties(settings).buildClient()) {
            System.out.println(client.invoke(
                FunctionRequest.get("/api/orders/{id}").pathParam("id", "42").build()).bodyAsString());
        }
    }
}
// END: readme.properties
