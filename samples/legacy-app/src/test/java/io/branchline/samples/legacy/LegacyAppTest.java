package io.branchline.samples.legacy;

import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.TelemetryItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        // Both simulated regions answer at once, so "nearest" would be whichever answered first; make westeurope the
        // primary, and keep its breaker closed for the few calls of a run (background probes count too), so that
        // a POST really reaches a failing westeurope.
        p.setProperty("branchline.region.westeurope.priority", "1");
        p.setProperty("branchline.region.northeurope.priority", "2");
        p.setProperty("branchline.routing.strategy", "priority");
        p.setProperty("branchline.routing.breaker.consecutive-failures", "5");
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
            // The order function fails in westeurope (its database, say) while the region's health stays good, so
            // westeurope stays first in the plan: the PUT and GET fail over, the POST reached the app and is reported.
            byte[] error = "{\"error\":\"order store unavailable\"}".getBytes(StandardCharsets.UTF_8);
            sim.region("westeurope").respond("/api/orders/B042-0001", 503, "application/json", error);
            sim.region("westeurope").respond("/api/orders", 503, "application/json", error);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = LegacyApp.run(settings(sim), new PrintStream(out, true, StandardCharsets.UTF_8));
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(1, code, text);
            assertTrue(text.contains("stored order in northeurope"), text);
            assertTrue(text.contains("creating the order failed with HTTP 503 in westeurope"), text);
            assertEquals(1, sim.region("westeurope").requestCount("/api/orders"), "the POST reached westeurope once");
            assertEquals(0, sim.region("northeurope").requestCount("/api/orders"), "the POST must not be replayed");
        }
    }

    @Test
    void withAConnectionStringEveryCallReachesAzureMonitor(@TempDir Path dir) throws Exception {
        try (RegionSimulator sim = RegionSimulator.builder().region("westeurope", Duration.ZERO)
                .region("northeurope", Duration.ZERO).build();
             IngestionEndpoint ingestion = IngestionEndpoint.start()) {
            Properties p = settings(sim);
            p.setProperty("branchline.telemetry.connection-string", ingestion.connectionString());
            p.setProperty("branchline.telemetry.role-name", "legacy-app");
            p.setProperty("branchline.telemetry.branch", "branch-042");
            p.setProperty("branchline.telemetry.spool-directory", dir.resolve("spool").toString());
            p.setProperty("branchline.routing.last-known-good", dir.resolve("routing.state").toString());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = LegacyApp.run(p, new PrintStream(out, true, StandardCharsets.UTF_8));
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, text);

            // run() returned: the exporter was closed with the client, so everything was sent, without waiting.
            // Three calls (a hedged GET may add a request, never a call): one dependency item each.
            long calls = 3;
            assertTrue(sim.region("westeurope").requestCount() + sim.region("northeurope").requestCount() >= calls);
            assertTrue(text.contains("created order in"), text);
            List<TelemetryItem> dependencies = ingestion.acceptedItems().stream()
                .filter(i -> "RemoteDependencyData".equals(i.baseType())).toList();
            assertEquals(calls, dependencies.size(), "one dependency per call: " + ingestion.acceptedItems());
            for (TelemetryItem item : dependencies) {
                assertEquals("legacy-app", item.tags().get("ai.cloud.role"));
                assertEquals("branch-042", item.tags().get("ai.cloud.roleInstance"));
            }
            ingestion.assertNoViolations();
            assertTrue(Files.exists(dir.resolve("routing.state")), "the router from the properties saved its state");
            assertFalse(text.contains(ingestion.instrumentationKey()), text);
        }
    }

    @Test
    void aMalformedRoutingOrTelemetrySettingNamesTheSettingAndNeverTheConnectionString() throws Exception {
        try (RegionSimulator sim = RegionSimulator.builder().region("westeurope", Duration.ZERO)
                .region("northeurope", Duration.ZERO).build()) {
            Properties p = settings(sim);
            p.setProperty("branchline.routing.probe.interval", "5 seconds");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(2, LegacyApp.run(p, new PrintStream(out, true, StandardCharsets.UTF_8)));
            String text = out.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("branchline.routing.probe.interval has an invalid value '5 seconds'"), text);
            assertTrue(text.contains("such as 500ms, 10s, 2m or PT10S"), text);

            String key = "0f8fad5b-d9cb-469f-a165-70867728950e";
            p.remove("branchline.routing.probe.interval");
            p.setProperty("branchline.telemetry.connection-string", "InstrumentationKey=" + key + ";IngestionEndpoint=ftp://x");
            out.reset();
            assertEquals(2, LegacyApp.run(p, new PrintStream(out, true, StandardCharsets.UTF_8)));
            text = out.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("branchline.telemetry.connection-string has an invalid value"), text);
            assertFalse(text.contains(key), text);
            assertEquals(0, sim.region("westeurope").requestCount() + sim.region("northeurope").requestCount(),
                "nothing is called when misconfigured");
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
