package io.branchline.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchline.core.FunctionCallException;
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
            .tag("method", "GET").tag("outcome", "SUCCESS").tag("status", "2xx").tag("client", "default").timer().count());
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
    void metricsCreatedBeforeTheClientLearnRegionsFromItsEvents() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // created and bound before any client exists: no AtomicReference, no client::regionStatus
        BranchlineMetrics metrics = BranchlineMetrics.create("orders");
        metrics.bindTo(registry);
        try (RegionSimulator sim = RegionSimulator.builder().region("westeurope").region("northeurope").build()) {
            EventRouter router = new EventRouter();
            try (FunctionClient client = new FunctionClientBuilder()
                .region("westeurope", sim.region("westeurope").baseUrl())
                .region("northeurope", sim.region("northeurope").baseUrl())
                .allowPlainHttp(true).router(router).addListener(metrics).buildClient()) {
                client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "7").build());
                // northeurope takes no call: its probe alone makes it known, with a latency
                router.context.probe(router.regions.get(1), "GET", "/api/health", java.util.Map.of(),
                    Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
            }
        }
        for (String region : List.of("westeurope", "northeurope")) {
            assertTrue(registry.get(MetricNames.REGION_LATENCY).tag("client", "orders").tag("region", region).timeGauge()
                .value(TimeUnit.MILLISECONDS) > 0, region);
        }
    }

    @Test
    void twoClientsOnOneRegistryStayApart() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BranchlineMetrics orders = BranchlineMetrics.create("orders");
        BranchlineMetrics stock = BranchlineMetrics.create("stock");
        orders.bindTo(registry);
        stock.bindTo(registry);
        try (RegionSimulator sim = RegionSimulator.builder().region("westeurope").build();
             FunctionClient a = new FunctionClientBuilder().region("westeurope", sim.region("westeurope").baseUrl())
                 .allowPlainHttp(true).addListener(orders).buildClient();
             FunctionClient b = new FunctionClientBuilder().region("westeurope", sim.region("westeurope").baseUrl())
                 .allowPlainHttp(true).addListener(stock).buildClient()) {
            a.invoke(FunctionRequest.get("/api/orders").build());
            b.invoke(FunctionRequest.get("/api/orders").build());
            b.invoke(FunctionRequest.get("/api/orders").build());
        }
        assertEquals(1, registry.get(MetricNames.CALLS).tag("client", "orders").tag("region", "westeurope").timer().count());
        assertEquals(2, registry.get(MetricNames.CALLS).tag("client", "stock").tag("region", "westeurope").timer().count());
        assertEquals(2, registry.get(MetricNames.REGION_HEALTH).tag("region", "westeurope").gauges().size(),
            "one health gauge per client for the same region");
        for (Meter m : registry.getMeters()) {
            assertNotNull(m.getId().getTag("client"), "every meter names its client: " + m.getId());
        }
    }

    @Test
    void outcomeFollowsMicrometersHttpClientConventionAndFunctionIsATemplate() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BranchlineMetrics metrics = BranchlineMetrics.create("orders");
        metrics.bindTo(registry);
        try (RegionSimulator sim = RegionSimulator.builder().region("westeurope").build()) {
            sim.region("westeurope").respond("/api/missing", 404, "text/plain", new byte[0]);
            try (FunctionClient client = new FunctionClientBuilder().region("westeurope", sim.region("westeurope").baseUrl())
                .allowPlainHttp(true).addListener(metrics).buildClient()) {
                client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "42").build());
                client.invoke(FunctionRequest.get("/api/orders/42").build()); // a path built by hand
                client.invoke(FunctionRequest.get("/api/orders/{id}/lines/{line}").pathParam("id", "9")
                    .pathParam("line", "1").build());
                assertThrows(FunctionCallException.class, () -> client.invoke(FunctionRequest.get("/api/missing").build()));
                sim.region("westeurope").fault(Fault.serverError(503));
                assertThrows(FunctionCallException.class, () -> client.invoke(FunctionRequest.get("/api/orders/{id}")
                    .pathParam("id", "1").build()));
                sim.region("westeurope").fault(Fault.down());
                assertThrows(FunctionCallException.class, () -> client.invoke(FunctionRequest.get("/api/orders/{id}")
                    .pathParam("id", "2").build()));
            }
        }
        assertEquals(1, registry.get(MetricNames.CALLS).tag("function", "/api/orders/{id}").tag("outcome", "SUCCESS")
            .timer().count());
        assertEquals(1, registry.get(MetricNames.CALLS).tag("function", "UNKNOWN").tag("outcome", "SUCCESS").timer().count(),
            "a raw path is never a tag");
        assertEquals(1, registry.get(MetricNames.CALLS).tag("function", "/api/orders/{id}/lines/{line}").timer().count());
        assertEquals(1, registry.get(MetricNames.CALLS).tag("function", "/api/missing").tag("outcome", "CLIENT_ERROR")
            .tag("status", "4xx").timer().count());
        assertEquals(1, registry.get(MetricNames.CALLS).tag("function", "/api/orders/{id}").tag("outcome", "SERVER_ERROR")
            .tag("status", "5xx").timer().count());
        assertEquals(1, registry.get(MetricNames.CALLS).tag("function", "/api/orders/{id}").tag("outcome", "UNKNOWN")
            .tag("status", "none").timer().count(), "no region answered");
        for (Meter m : registry.getMeters()) {
            assertFalse(m.getId().getTags().stream().anyMatch(t -> t.getValue().contains("42")), m.getId().toString());
        }
    }

    @Test
    void routesHoldingIdsAreUnknownAndTheirNumberIsCapped() {
        BranchlineMetrics metrics = BranchlineMetrics.create();
        assertEquals("/api/health", metrics.function("/api/health"));
        assertEquals("UNKNOWN", metrics.function("/api/orders/7f3e2b9c-1d4a-4c2e-9b1a-0e6f5d4c3b2a"));
        assertEquals("UNKNOWN", metrics.function("/api/orders/0123456789abcdef0123"));
        assertEquals("UNKNOWN", metrics.function("/api/users/alice@example.com"));
        for (int i = 0; i < BranchlineMetrics.MAX_FUNCTIONS; i++) {
            metrics.function("/api/report-" + (char) ('g' + i % 20) + "-" + (char) ('g' + i / 20));
        }
        assertEquals("UNKNOWN", metrics.function("/api/yet-another"), "beyond the cap");
        assertEquals("/api/health", metrics.function("/api/health"), "routes seen before the cap keep their tag");
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
                    if (name.startsWith("branchline.telemetry.") || name.equals(MetricNames.BRANCH_LINK_DOWN)) {
                        assertEquals(null, i.property("region"), "the branch's own metrics belong to no region");
                    } else {
                        assertEquals("eastus", i.property("region"));
                    }
                }
                List<String> names = metricItems.stream().map(i -> (String) ((java.util.Map<?, ?>) ((List<?>) i.baseData()
                    .get("metrics")).get(0)).get("name")).distinct().sorted().collect(Collectors.toList());
                assertEquals(List.of(MetricNames.BRANCH_LINK_DOWN, MetricNames.BREAKER_STATE, MetricNames.REGION_HEALTH,
                    MetricNames.REGION_LATENCY, MetricNames.TELEMETRY_DROPPED, MetricNames.TELEMETRY_SPOOL_BYTES), names);
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
