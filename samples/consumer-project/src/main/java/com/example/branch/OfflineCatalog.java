package com.example.branch;

// BEGIN: readme.stale
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.Region;
import io.branchline.routing.NearestRegionRouter;

import java.time.Duration;

final class OfflineCatalog {
    static FunctionClient client(Region we, Region ne) {
        return new FunctionClientBuilder()
            .region(we).region(ne).router(NearestRegionRouter.create())
            .staleIfError(Duration.ofMinutes(5)) // branchline.stale-if-error=5m
            .staleIfErrorLimits(1000, 16L * 1024 * 1024) // .max-entries, .max-size
            .buildClient();
    }

    static String catalog(FunctionClient client) {
        FunctionResponse r = client.invoke(FunctionRequest.get("/api/catalog").build());
        if (r.isStale()) {
            // every region failed: this is the last good answer, with Age and Warning: 110, 111
            System.out.println("offline copy, " + r.age().toSeconds() + " s old: " + r.staleCause().getMessage());
        }
        return r.bodyAsString();
    }
}
// END: readme.stale
