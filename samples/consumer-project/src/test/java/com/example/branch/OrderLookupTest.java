package com.example.branch;

// BEGIN: readme.testkit.test
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.testkit.Fault;
import io.branchline.testkit.RegionSimulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OrderLookupTest {
    private static final String ORDER = "{\"id\":\"42\",\"item\":\"pallet\"}";

    private RegionSimulator regions;
    private FunctionClient client;

    @BeforeEach
    void startRegions() {
        // Two local function apps on 127.0.0.1 that answer like the real ones.
        regions = RegionSimulator.builder()
            .region("westeurope", Duration.ofMillis(5))
            .region("northeurope", Duration.ofMillis(20))
            .build();
        regions.regions().forEach(region -> region
            .respond("/api/orders/42", 200, "application/json", ORDER.getBytes(StandardCharsets.UTF_8))
            .respond("/api/orders/7", 404, "application/json", "{}".getBytes(StandardCharsets.UTF_8)));
        client = new FunctionClientBuilder()
            .region("westeurope", regions.region("westeurope").baseUrl())
            .region("northeurope", regions.region("northeurope").baseUrl())
            .allowPlainHttp(true)   // the simulator speaks plain HTTP; production regions must use HTTPS
            .buildClient();
    }

    @AfterEach
    void stopRegions() {
        client.close();
        regions.close();
    }

    @Test
    void findsAnOrder() {
        assertEquals(Optional.of(ORDER), new OrderLookup(client).find("42"));
    }

    @Test
    void aMissingOrderIsEmpty() {
        assertEquals(Optional.empty(), new OrderLookup(client).find("7"));
    }

    @Test
    void findsTheOrderWhileTheFirstRegionIsDown() {
        regions.region("westeurope").fault(Fault.down());   // connections refused

        assertEquals(Optional.of(ORDER), new OrderLookup(client).find("42"));
        assertEquals(1, regions.region("northeurope").requestCount("/api/orders/42"));
    }
}
// END: readme.testkit.test
