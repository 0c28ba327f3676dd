package io.branchline.telemetry;

import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.TelemetryItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client built from properties or the environment attaches the Azure Monitor exporter by itself when a connection
 * string is set and branchline-telemetry is on the class path, sends through the client's transport and flushes on
 * the client's close; an exporter the application added itself wins.
 */
class PropertiesWiringTest {
    @TempDir
    Path spool;

    static String capturingErr(Runnable r) {
        PrintStream err = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(err);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aConnectionStringInThePropertiesAttachesTheExporter() throws Exception {
        try (IngestionEndpoint ingestion = IngestionEndpoint.start();
             RegionSimulator sim = RegionSimulator.builder().region("westeurope").build()) {
            Properties p = new Properties();
            p.setProperty("branchline.regions", "westeurope=" + sim.region("westeurope").baseUrl());
            p.setProperty("branchline.allow-plain-http", "true");
            p.setProperty("branchline.telemetry.connection-string", ingestion.connectionString());
            p.setProperty("branchline.telemetry.branch", "branch-0042");
            p.setProperty("branchline.telemetry.spool-directory", spool.toString());
            p.setProperty("branchline.telemetry.metrics-interval", "0");
            FunctionClient[] built = new FunctionClient[1];
            String log = capturingErr(() -> built[0] = FunctionClientBuilder.fromProperties(p).buildClient());
            assertTrue(log.contains("telemetry to Azure Monitor at http://127.0.0.1:" + ingestion.port()
                + "/ (io.branchline:branchline-telemetry)"), log);
            assertTrue(!log.contains(ingestion.instrumentationKey()), "the key is not logged: " + log);
            try (FunctionClient client = built[0]) {
                assertEquals(200, client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "7").build())
                    .statusCode());
            }
            // closing the client closed the exporter, which sent what it held
            List<TelemetryItem> deps = TestSupport.dependencies(ingestion);
            assertEquals(1, deps.size(), ingestion.acceptedItems().toString());
            assertEquals("GET /api/orders/{id}", deps.get(0).baseData().get("name"));
            assertEquals("branch-0042", deps.get(0).tags().get("ai.cloud.roleInstance"));
            ingestion.assertNoViolations();
        }
    }

    @Test
    void theStandardVariableAttachesItFromTheEnvironment() throws Exception {
        try (IngestionEndpoint ingestion = IngestionEndpoint.start();
             RegionSimulator sim = RegionSimulator.builder().region("westeurope").build()) {
            Map<String, String> env = Map.of("BRANCHLINE_REGIONS", "westeurope=" + sim.region("westeurope").baseUrl(),
                "BRANCHLINE_ALLOW_PLAIN_HTTP", "true", "APPLICATIONINSIGHTS_CONNECTION_STRING", ingestion.connectionString(),
                "BRANCHLINE_TELEMETRY_SPOOL_DIRECTORY", spool.toString(), "BRANCHLINE_TELEMETRY_METRICS_INTERVAL", "0");
            try (FunctionClient client = FunctionClientBuilder.fromEnvironment(env).buildClient()) {
                client.invoke(FunctionRequest.get("/api/health").build());
            }
            assertEquals(1, TestSupport.dependencies(ingestion).size(), ingestion.acceptedItems().toString());
        }
    }

    @Test
    void anExporterAddedOnTheBuilderWins() throws Exception {
        try (IngestionEndpoint ingestion = IngestionEndpoint.start();
             RegionSimulator sim = RegionSimulator.builder().region("westeurope").build();
             AzureMonitorExporter own = TestSupport.exporter(ingestion, spool).build()) {
            Properties p = new Properties();
            p.setProperty("branchline.regions", "westeurope=" + sim.region("westeurope").baseUrl());
            p.setProperty("branchline.allow-plain-http", "true");
            p.setProperty("branchline.telemetry.connection-string", ingestion.connectionString());
            try (FunctionClient client = FunctionClientBuilder.fromProperties(p).addListener(own).buildClient()) {
                client.invoke(FunctionRequest.get("/api/health").build());
            }
            assertTrue(own.flush(TestSupport.WAIT).allDelivered(), "the application's exporter sent its items");
            // the client built no exporter of its own: closing it sent nothing more
            assertEquals(1, TestSupport.dependencies(ingestion).size(), "one exporter, not two: " + ingestion.acceptedItems());
        }
    }

    @Test
    void telemetrySettingsWithoutAConnectionStringAreOrphans() {
        Properties p = new Properties();
        p.setProperty("branchline.regions", "westeurope=https://orders-we.azurewebsites.net");
        p.setProperty("branchline.telemetry.role-name", "till");
        p.setProperty("branchline.strict-settings", "true");
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> FunctionClientBuilder.fromProperties(p).buildClient());
        assertTrue(e.getMessage().contains("Setting branchline.telemetry.role-name has no effect without"
            + " branchline.telemetry.connection-string, which is not set"), e.getMessage());
    }

    @Test
    void aMalformedConnectionStringFailsTheBuildWithoutShowingIt() {
        Properties p = new Properties();
        p.setProperty("branchline.regions", "westeurope=https://orders-we.azurewebsites.net");
        p.setProperty("branchline.telemetry.connection-string", "InstrumentationKey=not-a-guid-secret;IngestionEndpoint=ftp://x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> FunctionClientBuilder.fromProperties(p).buildClient());
        assertTrue(e.getMessage().contains("branchline.telemetry.connection-string"), e.getMessage());
        assertTrue(!e.getMessage().contains("not-a-guid-secret"), e.getMessage());
    }
}
