package io.branchline.samples.demo;

import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.telemetry.AzureMonitorExporter;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.SimulatedRegion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end of a demo run waits until the telemetry of every call reached Azure Monitor, even when the run ends while
 * the exporter is still backing off after an ingestion outage (the cause of an incomplete-telemetry failure: one
 * flush returned at once, having only spooled, and the exporter was then closed).
 */
class TelemetryDeliveryTest {

    @Test
    void waitsForTheSpoolToDrainWhenTheRunEndsDuringTheExportersBackOff(@TempDir Path spool) throws Exception {
        try (RegionSimulator sim = RegionSimulator.builder().region("westeurope", Duration.ZERO).build();
             IngestionEndpoint ingestion = IngestionEndpoint.start()) {
SimulatedRegion we = sim.region("westeurope");
            AzureMonitorExporter exporter = AzureMonitorExporter.builder().connectionString(ingestion.connectionString())
                .spoolDirectory(spool).flushInterval(Duration.ofMillis(100)).build();
            try {
                // ingestion is unavailable and asks for 2 s: the exporter spools and backs off at least that long
ingestion.respondWith(503, Duration.ofSeconds(2), IngestionEndpoint.UNTIL_RESET);
                int calls = 20;
                try (FunctionClient client = new FunctionClientBuilder().allowPlainHttp(true)
                    .region(Region.builder("westeurope", we.baseUrl()).build()).addListener(exporter).buildClient()) {
                    for (int i = 0; i < calls; i++) {
                        client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "o-" + i).build());
                    }
                }
exporter.flush(Duration.ofSeconds(5));
                assertTrue(exporter.stats().spoolFiles() > 0, "the outage left telemetry in the spool");
ingestion.resetResponses(); // ingestion is back while the exporter still backs off

                assertTrue(BranchDemo.awaitDelivered(exporter, Duration.ofSeconds(20)), "delivered in time");
exporter.close();
                long dependencies = ingestion.acceptedItems().stream()
                    .filter(i -> "RemoteDependencyData".equals(i.baseType())).count();
                assertEquals(calls, dependencies, "one dependency item per call reached Azure Monitor");
            } finally {
                exporter.close();
            }
        }
    }
}
