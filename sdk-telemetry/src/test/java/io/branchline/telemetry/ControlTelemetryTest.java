package io.branchline.telemetry;

import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.core.RegionRouter;
import io.branchline.core.RoutePlan;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.ControlChange;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.TelemetryItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the pane of glass learns about run-time control: each control change as one {@code branchline.control}
 * event, and the deployment slot of every call as the {@code slot} dimension, accepted by the local ingestion
 * endpoint against the v2.1 contract.
 */
class ControlTelemetryTest {
    @TempDir
    Path spool;

    @Test
    void aControlChangeIsAnEventAndEveryDependencySaysWhichSlotServedIt() throws Exception {
        try (RegionSimulator sim = RegionSimulator.builder().region("we").region("we-staging").build();
             IngestionEndpoint endpoint = IngestionEndpoint.start();
             AzureMonitorExporter exporter = TestSupport.exporter(endpoint, spool).build()) {
            Region we = Region.builder("we", sim.region("we").baseUrl())
                .slot("staging", sim.region("we-staging").baseUrl()).build();
            RoutePlan[] plan = {RoutePlan.of(List.of(we.slot(), we))};
            RegionRouter router = new RegionRouter() {
                @Override
                public RoutePlan plan(FunctionRequest request) {
                    return plan[0];
                }

                @Override
                public void onAttemptEnd(Region region, Attempt attempt) {
                }
            };
            try (FunctionClient client = new FunctionClientBuilder().region(we).allowPlainHttp(true).router(router)
                .addListener(exporter).buildClient()) {
                client.invoke(FunctionRequest.get("/api/orders").build());
                plan[0] = RoutePlan.of(List.of(we));
                client.invoke(FunctionRequest.get("/api/orders").build());
            }
            exporter.controlChanged(new ControlChange(Instant.parse("2026-12-02T13:00:00Z"),
                "App Configuration https://fleet.azconfig.io", Map.of("canary", "10", "exclude", ""),
                Map.of("canary", "", "exclude", "ne"), List.of()));
            exporter.flush(TestSupport.WAIT);
            assertTrue(endpoint.awaitAccepted(3, TestSupport.WAIT));
            endpoint.assertNoViolations();

            List<TelemetryItem> deps = TestSupport.dependencies(endpoint);
            assertEquals(List.of("staging", "production"), deps.stream()
                .map(d -> String.valueOf(((Map<?, ?>) d.baseData().get("properties")).get("slot"))).toList());
            TelemetryItem event = endpoint.acceptedItems().stream().filter(i -> "EventData".equals(i.baseType()))
                .findFirst().orElseThrow();
            assertEquals("branchline.control", event.baseData().get("name"));
            Map<?, ?> p = (Map<?, ?>) event.baseData().get("properties");
            assertEquals("App Configuration https://fleet.azconfig.io", p.get("source"));
            assertEquals("canary: \"\" -> \"10\"; exclude: \"ne\" -> \"\"", p.get("change"));
            assertEquals("10", p.get("control.canary"));
            assertEquals("", p.get("control.exclude"));
        }
    }
}
