package com.example.branch;

// BEGIN: readme.quickstart
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.Region;
import io.branchline.routing.NearestRegionRouter;

import java.nio.file.Path;

public final class QuickStart {
    public static void main(String[] args) {
        // One client for the whole program: thread-safe, closed when the program ends.
        try (FunctionClient client = new FunctionClientBuilder()
                .region(Region.builder("westeurope", "https://orders-we.azurewebsites.net")
                    .functionKeyFromFile(Path.of("/etc/branchline/westeurope.key")).build())
                .region(Region.builder("northeurope", "https://orders-ne.azurewebsites.net")
                    .functionKeyFromFile(Path.of("/etc/branchline/northeurope.key")).build())
                .router(NearestRegionRouter.create())   // nearest healthy region; without it: in order
                .buildClient()) {
            FunctionResponse order = client.invoke(
                FunctionRequest.get("/api/orders/{id}").pathParam("id", "42").build());
            System.out.println(order.region().name() + " answered " + order.bodyAsString());
        }
    }
}
// END: readme.quickstart
