package io.branchline.samples.onprem;

import io.branchline.testkit.Fault;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.TelemetryItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnPremServiceTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void relaysCallsReportsHealthAndFlushesTelemetryOnShutdown(@TempDir Path dir) throws Exception {
        try (RegionSimulator sim = RegionSimulator.builder().region("westeurope", Duration.ZERO)
                .region("northeurope", Duration.ZERO).build();
             IngestionEndpoint ingestion = IngestionEndpoint.start()) {
            Map<String, String> env = new HashMap<>();
            env.put("BRANCHLINE_REGIONS", "westeurope=" + sim.region("westeurope").baseUrl() + ",northeurope="
                + sim.region("northeurope").baseUrl());
            env.put("BRANCHLINE_REGION_WESTEUROPE_KEY", "we-key");
            env.put("BRANCHLINE_REGION_NORTHEUROPE_KEY", "ne-key");
            env.put("BRANCHLINE_ALLOW_PLAIN_HTTP", "true");
            env.put("ORDERS_RELAY_PORT", "0");
            // strict: every BRANCHLINE_ variable the service reads must be a setting Branchline knows
            env.put("BRANCHLINE_STRICT_SETTINGS", "true");
            env.put("BRANCHLINE_TELEMETRY_BRANCH", "branch-042");
            env.put("BRANCHLINE_TELEMETRY_SPOOL_DIRECTORY", dir.resolve("spool").toString());
            env.put("BRANCHLINE_ROUTING_LAST_KNOWN_GOOD", dir.resolve("state").resolve("routing.state").toString());
            env.put("BRANCHLINE_ROUTING_PROBE_PATH", "/api/health");
            // Both simulated regions are equally near: which one a latency ranking puts first would be chance (and
            // priority routing keeps the latency order between equal priorities), so the test gives westeurope the
            // better priority and checks the relay, failover and shutdown.
            env.put("BRANCHLINE_ROUTING_STRATEGY", "priority");
            env.put("BRANCHLINE_REGION_WESTEUROPE_PRIORITY", "1");
            env.put("BRANCHLINE_REGION_NORTHEUROPE_PRIORITY", "2");
            env.put("APPLICATIONINSIGHTS_CONNECTION_STRING", ingestion.connectionString());

            OnPremService service = new OnPremService(env);
            int port = service.port();
            HttpResponse<String> order = get(port, "/orders/B042-7");
            assertEquals(200, order.statusCode(), order.body());
            assertEquals("westeurope", order.headers().firstValue("x-served-by-region").orElse(null));

            sim.region("westeurope").fault(Fault.down());
            HttpResponse<String> failedOver = get(port, "/orders/B042-8");
            assertEquals(200, failedOver.statusCode());
            assertEquals("northeurope", failedOver.headers().firstValue("x-served-by-region").orElse(null));

            HttpResponse<String> health = get(port, "/health");
            assertEquals(200, health.statusCode());
            assertTrue(health.body().contains("\"name\":\"westeurope\"") && health.body().contains("\"status\":\"UP\""),
                health.body());
            assertEquals(400, get(port, "/orders/..%2Fetc").statusCode());

            service.close();
            assertTrue(ingestion.awaitAccepted(2, Duration.ofSeconds(10)));
            long dependencies = ingestion.acceptedItems().stream()
                .filter(i -> "RemoteDependencyData".equals(i.baseType())).count();
            assertEquals(2, dependencies, "every relayed call reached Azure Monitor by the end of the shutdown");
            TelemetryItem item = ingestion.acceptedItems().stream()
                .filter(i -> "RemoteDependencyData".equals(i.baseType())).findFirst().orElseThrow();
            assertEquals("branch-042", item.tags().get("ai.cloud.roleInstance"));
            assertEquals("branchline-orders-relay", item.tags().get("ai.cloud.role"));
            ingestion.assertNoViolations();
            assertTrue(Files.exists(dir.resolve("state").resolve("routing.state")), "routing state saved on close");
        }
    }
}
