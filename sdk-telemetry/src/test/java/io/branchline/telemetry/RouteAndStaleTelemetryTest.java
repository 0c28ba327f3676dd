package io.branchline.telemetry;

import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.Region;
import io.branchline.core.spi.StaleResponseCache;
import io.branchline.core.spi.StoredResponse;
import io.branchline.testkit.Fault;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.TelemetryItem;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The route, stale answers and the branch's link in Azure Monitor items (validated by the local ingestion endpoint
 * against the track contract) and in Micrometer meters.
 */
class RouteAndStaleTelemetryTest {
    @TempDir
    Path spool;

    private RegionSimulator sim;
    private IngestionEndpoint endpoint;
    private AzureMonitorExporter exporter;
    private BranchlineMetrics metrics;
    private SimpleMeterRegistry registry;
    private FunctionClient client;

    /** The application's own store: stale-if-error without branchline-routing on the class path. */
    private static final class MapCache implements StaleResponseCache {
        final Map<String, StoredResponse> map = new ConcurrentHashMap<>();

        @Override
        public void put(String key, StoredResponse response) {
            map.put(key, response);
        }

        @Override
        public StoredResponse get(String key) {
            return map.get(key);
        }

        @Override
        public void remove(String key) {
            map.remove(key);
        }

        @Override
        public long size() {
            return map.size();
        }
    }

    @BeforeEach
    void start() {
        sim = RegionSimulator.builder().region("westeurope").region("northeurope").build();
        endpoint = IngestionEndpoint.start();
        exporter = TestSupport.exporter(endpoint, spool).build();
        metrics = BranchlineMetrics.create("orders");
        registry = new SimpleMeterRegistry();
        metrics.bindTo(registry);
        client = new FunctionClientBuilder()
            .region(Region.of("westeurope", sim.region("westeurope").baseUrl()))
            .region(Region.of("northeurope", sim.region("northeurope").baseUrl()))
            .allowPlainHttp(true)
            .staleIfError(Duration.ofMinutes(5))
            .staleIfErrorCache(new MapCache())
            .addListener(exporter)
            .addListener(metrics)
            .buildClient();
    }

    @AfterEach
    void stop() {
        client.close();
        exporter.close();
        endpoint.close();
        sim.close();
    }

    private List<TelemetryItem> items(String baseType) {
        return endpoint.acceptedItems().stream().filter(i -> baseType.equals(i.baseType())).collect(Collectors.toList());
    }

    @Test
    void dependenciesCarryTheCompactRouteAndStaleAnswersTheirFailure() {
        client.invoke(FunctionRequest.get("/api/catalog").build());
        sim.region("westeurope").fault(Fault.down());
        client.invoke(FunctionRequest.get("/api/prices").build());
        sim.branchLinkDown();
        FunctionResponse stale = client.invoke(FunctionRequest.get("/api/catalog").build());
        assertTrue(stale.isStale());
        assertTrue(exporter.flush(TestSupport.WAIT).completed());
        assertTrue(endpoint.awaitAccepted(3, TestSupport.WAIT));
        endpoint.assertNoViolations();
        List<TelemetryItem> deps = items("RemoteDependencyData");
        assertEquals(3, deps.size(), deps.toString());
        assertEquals("westeurope(in-order)", deps.get(0).property("route"));
        assertNull(deps.get(0).property("servedStale"));
        assertEquals("westeurope(in-order)>northeurope(failover:CONNECT_FAILED)", deps.get(1).property("route"));
        TelemetryItem s = deps.get(2);
        assertEquals("true", s.property("servedStale"));
        assertEquals(Boolean.FALSE, s.baseData().get("success"));
        assertEquals("CONNECT_FAILED", s.baseData().get("resultCode"));
        assertTrue(s.property("error").startsWith("Call GET /api/catalog could not be sent to any region"),
            s.property("error"));
        assertTrue(s.property("route").endsWith("|stale"), s.property("route"));
        assertEquals(1.0, registry.get(MetricNames.STALE_SERVED).tag("function", "/api/catalog").counter().count());
    }

    @Test
    void theBranchLinkGoingDownAndBackIsAnEventEachAndAGauge() {
        assertEquals(0.0, registry.get(MetricNames.BRANCH_LINK_DOWN).gauge().value());
        exporter.branchLinkDown("every region refused connections within 5000 ms");
        metrics.branchLinkDown("every region refused connections within 5000 ms");
        assertEquals(1.0, registry.get(MetricNames.BRANCH_LINK_DOWN).gauge().value());
        exporter.branchLinkRestored(Duration.ofSeconds(12));
        metrics.branchLinkRestored(Duration.ofSeconds(12));
        assertEquals(0.0, registry.get(MetricNames.BRANCH_LINK_DOWN).gauge().value());
        assertTrue(exporter.flush(TestSupport.WAIT).completed());
        assertTrue(endpoint.awaitAccepted(2, TestSupport.WAIT));
        endpoint.assertNoViolations();
        List<TelemetryItem> events = items("EventData");
        assertEquals(2, events.size(), events.toString());
        assertEquals("Event", events.get(0).name());
        assertEquals("branchline.link.down", events.get(0).baseData().get("name"));
        assertEquals("every region refused connections within 5000 ms", events.get(0).property("reason"));
        assertEquals("branch-0042", events.get(0).property("branch"));
        assertEquals("branchline.link.up", events.get(1).baseData().get("name"));
        assertEquals("12", events.get(1).property("downSeconds"));
    }
}
