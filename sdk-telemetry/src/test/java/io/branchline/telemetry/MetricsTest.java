package io.branchline.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.core.RegionRouter;
import io.branchline.core.RoutePlan;
import io.branchline.core.RouterContext;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;
import io.branchline.core.models.RegionStatus;
import io.branchline.testkit.Fault;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.TelemetryItem;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
    @TempDir
    Path spool;

    @Test
    void callAttemptFailoverBreakerAndHealthMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BranchlineMetrics metrics = BranchlineMetrics.create();
        metrics.bindTo(registry);
        try (RegionSimulator sim = RegionSimulator.builder().region("westeurope").region("northeurope").build()) {
            sim.region("westeurope").fault(Fault.serverError(503));
            EventRouter router = new EventRouter();
            try (FunctionClient client = new FunctionClientBuilder()
                .region("westeurope", sim.region("westeurope").baseUrl())
                .region("northeurope", sim.region("northeurope").baseUrl())
                .allowPlainHttp(true).router(router).addListener(metrics).buildClient()) {
                client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "7").build());
                router.context.listener().breakerStateChanged(router.regions.get(0), BreakerState.CLOSED,
                    BreakerState.OPEN);
                router.context.listener().regionHealthChanged(router.regions.get(0), RegionHealth.UNKNOWN,
                    RegionHealth.UNHEALTHY, "3 probes failed");
                assertEquals(503, router.context.probe(router.regions.get(0), "GET", "/api/health", java.util.Map.of(),
                    Duration.ofSeconds(5)).block(Duration.ofSeconds(10)).statusCode());
            }
        }
        assertEquals(1, registry.get(MetricNames.CALLS).tag("region", "northeurope").tag("function", "/api/orders/{id}")
            .tag("method", "GET").tag("outcome", "success").tag("status", "2xx").timer().count());
        assertEquals(1, registry.get(MetricNames.ATTEMPTS).tag("region", "westeurope").tag("outcome", "server_error")
            .counter().count());
        assertEquals(1, registry.get(MetricNames.ATTEMPTS).tag("region", "northeurope").tag("outcome", "success")
            .counter().count());
        assertEquals(1, registry.get(MetricNames.PROBES).tag("region", "westeurope").tag("outcome", "server_error")
            .tag("status", "5xx").counter().count(), "probes sent through the client's transport are counted");
        assertEquals(1, registry.get(MetricNames.FAILOVERS).tag("from", "westeurope").tag("to", "northeurope")
            .counter().count());
        assertEquals(1, registry.get(MetricNames.BREAKER_STATE).tag("region", "westeurope").gauge().value());
        assertEquals(-1, registry.get(MetricNames.BREAKER_STATE).tag("region", "northeurope").gauge().value());
        assertEquals(-1, registry.get(MetricNames.REGION_HEALTH).tag("region", "westeurope").gauge().value());
        assertTrue(registry.get(MetricNames.REGION_LATENCY).tag("region", "northeurope").timeGauge()
            .value(TimeUnit.MILLISECONDS) > 0);
        for (Meter m : registry.getMeters()) {
            for (io.micrometer.core.instrument.Tag t : m.getId().getTags()) {
                assertFalse(t.getValue().contains("127.0.0.1") || t.getValue().contains("/api/orders/7"),
                    "low cardinality: " + m.getId());
            }
        }
    }

    @Test
    void gaugesReadTheRouterSnapshotWhenGiven() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BranchlineMetrics metrics = BranchlineMetrics.create(() -> List.of(new RegionStatus("eastus", RegionHealth.HEALTHY,
            BreakerState.HALF_OPEN, Duration.ofMillis(12), null, 1.0, 0)));
        metrics.bindTo(registry);
        assertEquals(1, registry.get(MetricNames.REGION_HEALTH).tag("region", "eastus").gauge().value());
        assertEquals(2, registry.get(MetricNames.BREAKER_STATE).tag("region", "eastus").gauge().value());
        assertEquals(12.0, registry.get(MetricNames.REGION_LATENCY).tag("region", "eastus").timeGauge()
            .value(TimeUnit.MILLISECONDS), 0.001);
    }

    @Test
    void exporterCountsItselfAndSendsUnsampledRegionMetricItems() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (IngestionEndpoint endpoint = IngestionEndpoint.start()) {
            try (AzureMonitorExporter exporter = TestSupport.exporter(endpoint, spool).meterRegistry(registry)
                .samplingPercentage(1).metricsInterval(Duration.ofMillis(100))
                .regionStatus(() -> List.of(new RegionStatus("eastus", RegionHealth.UNHEALTHY, BreakerState.OPEN,
                    Duration.ofMillis(40), null, 1.0, 0)))
                .build()) {
                assertTrue(endpoint.awaitAccepted(3, TestSupport.WAIT));
                assertTrue(exporter.flush(TestSupport.WAIT).completed());
                endpoint.assertNoViolations();
                List<TelemetryItem> metricItems = endpoint.acceptedItems().stream()
                    .filter(i -> "MetricData".equals(i.baseType())).collect(Collectors.toList());
                assertFalse(metricItems.isEmpty());
                for (TelemetryItem i : metricItems) {
                    assertEquals(100.0, i.sampleRate(), "metrics are never sampled");
                    assertEquals("branch-0042", i.tags().get("ai.cloud.roleInstance"));
                    String name = (String) ((java.util.Map<?, ?>) ((List<?>) i.baseData().get("metrics")).get(0)).get("name");
                    if (name.startsWith("branchline.telemetry.")) {
                        assertEquals(null, i.property("region"), "the exporter's own metrics belong to no region");
                    } else {
                        assertEquals("eastus", i.property("region"));
                    }
                }
                List<String> names = metricItems.stream().map(i -> (String) ((java.util.Map<?, ?>) ((List<?>) i.baseData()
                    .get("metrics")).get(0)).get("name")).distinct().sorted().collect(Collectors.toList());
                assertEquals(List.of(MetricNames.BREAKER_STATE, MetricNames.REGION_HEALTH, MetricNames.REGION_LATENCY,
                    MetricNames.TELEMETRY_DROPPED, MetricNames.TELEMETRY_SPOOL_BYTES), names);
                double accepted = registry.get(MetricNames.TELEMETRY_ITEMS).tag("result", "accepted")
                    .tag("reason", "none").functionCounter().count();
                assertEquals(exporter.stats().accepted(), (long) accepted);
                assertTrue(accepted >= 3);
                assertNotNull(registry.get(MetricNames.TELEMETRY_ITEMS).tag("result", "dropped")
                    .tag("reason", "queue_full").functionCounter());
                assertNotNull(registry.get(MetricNames.TELEMETRY_QUEUE).gauge());
                assertNotNull(registry.get(MetricNames.TELEMETRY_SPOOL_BYTES).gauge());
            }
        }
    }

    /** Routes in order and lets the test fire region events through the router context's listener. */
    static final class EventRouter implements RegionRouter {
        volatile RouterContext context;
        volatile List<Region> regions;

        @Override
        public void start(RouterContext context) {
            this.context = context;
            this.regions = context.regions();
        }

        @Override
        public RoutePlan plan(FunctionRequest request) {
            return RoutePlan.of(regions);
        }

        @Override
        public void onAttemptEnd(Region region, Attempt attempt) {
        }
    }
}
