package io.branchline.samples.legacy;

import io.branchline.testkit.Fault;
import io.branchline.testkit.RegionSimulator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LegacyAppTest {

    private static Properties settings(RegionSimulator sim) {
        Properties p = new Properties();
        p.setProperty("branchline.regions", "westeurope=" + sim.region("westeurope").baseUrl()
            + ",northeurope=" + sim.region("northeurope").baseUrl());
        p.setProperty("branchline.region.westeurope.key", "we-key");
        p.setProperty("branchline.region.northeurope.key", "ne-key");
        p.setProperty("branchline.allow-plain-http", "true");
        p.setProperty("branchline.timeout.response", "2s");
        return p;
    }

    @Test
    void runsEveryCallAgainstTheNearestRegion() throws Exception {
        try (RegionSimulator sim = RegionSimulator.builder().region("westeurope", Duration.ZERO)
                .region("northeurope", Duration.ZERO).build()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = LegacyApp.run(settings(sim), new PrintStream(out, true, StandardCharsets.UTF_8));
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, text);
            assertTrue(text.contains("stored order in westeurope"), text);
            assertEquals(3, sim.region("westeurope").requestCount());
            assertEquals("we-key", sim.region("westeurope").recordedRequests().get(0).header("x-functions-key"));
        }
    }

    @Test
    void idempotentCallsFailOverButAPostThatReachedAFailingServerIsReported() throws Exception {
        try (RegionSimulator sim = RegionSimulator.builder().region("westeurope", Duration.ZERO)
                .region("northeurope", Duration.ZERO).build()) {
            sim.region("westeurope").fault(Fault.serverError(503));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = LegacyApp.run(settings(sim), new PrintStream(out, true, StandardCharsets.UTF_8));
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(1, code, text);
            assertTrue(text.contains("stored order in northeurope"), text);
            assertTrue(text.contains("creating the order failed with HTTP 503 in westeurope"), text);
            assertEquals(0, sim.region("northeurope").requestCount("/api/orders"), "the POST must not be replayed");
        }
    }

    @Test
    void misconfigurationNamesTheSetting() {
        Properties p = new Properties();
        p.setProperty("branchline.regions", "westeurope");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = LegacyApp.run(p, new PrintStream(out, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("branchline.regions"));
    }
}
