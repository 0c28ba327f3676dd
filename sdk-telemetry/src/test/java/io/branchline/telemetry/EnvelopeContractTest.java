package io.branchline.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchline.core.CallInfo;
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.Region;
import io.branchline.core.RegionRouter;
import io.branchline.core.RoutePlan;
import io.branchline.core.RouterContext;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.FailoverOptions;
import io.branchline.testkit.Fault;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.RecordedCall;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.TelemetryItem;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real calls through a FunctionClient to simulated regions; envelopes checked against the contract. */
class EnvelopeContractTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";

    @TempDir
    Path spool;

    private RegionSimulator sim;
    private IngestionEndpoint endpoint;
    private AzureMonitorExporter exporter;
    private FunctionClient client;
    private final AtomicReference<CallInfo> lastCall = new AtomicReference<>();

    @BeforeEach
    void start() {
        sim = RegionSimulator.builder().region("westeurope").region("northeurope").build();
        endpoint = IngestionEndpoint.start();
        exporter = TestSupport.exporter(endpoint, spool).build();
        client = new FunctionClientBuilder()
            .region(Region.builder("westeurope", sim.region("westeurope").baseUrl()).functionKey("fk-west-SECRET").build())
            .region(Region.builder("northeurope", sim.region("northeurope").baseUrl()).functionKey("fk-north-SECRET").build())
            .allowPlainHttp(true)
            .addListener(exporter)
            .addListener(new io.branchline.core.CallListener() {
                @Override
                public void callStart(CallInfo call) {
                    lastCall.set(call);
                }
            })
            .buildClient();
    }

    @AfterEach
    void stop() {
        client.close();
        exporter.close();
        endpoint.close();
        sim.close();
    }

    private static FunctionRequest order() {
        return FunctionRequest.get("/api/orders/{id}").pathParam("id", "42").query("sig", "QUERY-SECRET").build();
    }

    @Test
    void successfulCallIsOneValidCorrelatedDependency() {
        FunctionResponse response = client.invoke(order());
        assertEquals(200, response.statusCode());
        CallInfo call = lastCall.get();
        assertTrue(exporter.flush(TestSupport.WAIT).completed());
        assertTrue(endpoint.awaitAccepted(1, TestSupport.WAIT));
        endpoint.assertNoViolations();

        TelemetryItem item = TestSupport.byId(endpoint, call.spanId());
        assertEquals("RemoteDependency", item.name());
        assertTrue(item.time().endsWith("Z"), item.time());
        assertEquals(endpoint.instrumentationKey(), item.iKey());
        assertEquals(100.0, item.sampleRate());
        assertEquals(call.traceId(), item.tags().get("ai.operation.id"));
        assertEquals("till-service", item.tags().get("ai.cloud.role"));
        assertEquals("branch-0042", item.tags().get("ai.cloud.roleInstance"));
        assertTrue(item.tags().get("ai.internal.sdkVersion").startsWith("branchline-java:0.1.0"),
            item.tags().get("ai.internal.sdkVersion"));
        assertEquals("Http", item.baseData().get("type"));
        assertEquals("GET /api/orders/{id}", item.baseData().get("name"));
        assertEquals(sim.region("westeurope").baseUrl() + "/api/orders/42", item.baseData().get("data"));
        assertEquals("127.0.0.1", item.baseData().get("target"));
        assertEquals("200", item.baseData().get("resultCode"));
        assertEquals(Boolean.TRUE, item.baseData().get("success"));
        assertTrue(((String) item.baseData().get("duration")).matches("\\d{2}:\\d{2}:\\d{2}\\.\\d{6}"));
        assertEquals("westeurope", item.property("region"));
        assertEquals("1", item.property("attempts"));
        assertEquals("false", item.property("failover"));
        assertEquals("false", item.property("hedged"));
        assertEquals("branch-0042", item.property("branch"));
        assertFalse(item.json().contains("QUERY-SECRET"), item.json());
        assertFalse(item.json().contains("sig="), item.json());
        assertFalse(item.json().contains("SECRET"), item.json());

        // correlation: the traceparent the region received is operation id + dependency id
        RecordedCall received = sim.region("westeurope").recordedRequests().get(0);
        assertEquals("00-" + item.tags().get("ai.operation.id") + "-" + item.baseData().get("id") + "-01",
            received.header("traceparent"));
    }

    @Test
    void continuedTraceKeepsTheCallersTraceAndParent() {
        FunctionRequest r = order().toBuilder().traceparent("00-" + TRACE + "-" + CALLER_SPAN + "-01").build();
        client.invoke(r);
        CallInfo call = lastCall.get();
        assertTrue(exporter.flush(TestSupport.WAIT).completed());
        assertTrue(endpoint.awaitAccepted(1, TestSupport.WAIT));
        endpoint.assertNoViolations();
        TelemetryItem item = TestSupport.byId(endpoint, call.spanId());
        assertEquals(TRACE, item.tags().get("ai.operation.id"));
        assertEquals(CALLER_SPAN, item.tags().get("ai.operation.parentId"));
        assertEquals("00-" + TRACE + "-" + item.baseData().get("id") + "-01",
            sim.region("westeurope").recordedRequests().get(0).header("traceparent"));
    }

    @Test
    void failedCallIsReportedAsUnsuccessful() {
        sim.region("westeurope").fault(Fault.serverError(503));
        sim.region("northeurope").fault(Fault.serverError(503));
        assertThrows(FunctionCallException.class, () -> client.invoke(order()));
        CallInfo call = lastCall.get();
        assertTrue(exporter.flush(TestSupport.WAIT).completed());
        assertTrue(endpoint.awaitAccepted(1, TestSupport.WAIT));
        endpoint.assertNoViolations();
        TelemetryItem item = TestSupport.byId(endpoint, call.spanId());
        assertEquals(Boolean.FALSE, item.baseData().get("success"));
        assertEquals("503", item.baseData().get("resultCode"));
        assertEquals("northeurope", item.property("region"));
        assertEquals("2", item.property("attempts"));
        assertEquals("true", item.property("failover"));
    }

    @Test
    void unreachableRegionsGiveTheFailureKindAsResultCode() {
        sim.region("westeurope").fault(Fault.down());
        sim.region("northeurope").fault(Fault.down());
        assertThrows(FunctionCallException.class, () -> client.invoke(order()));
        CallInfo call = lastCall.get();
        assertTrue(exporter.flush(TestSupport.WAIT).completed());
        assertTrue(endpoint.awaitAccepted(1, TestSupport.WAIT));
        endpoint.assertNoViolations();
        TelemetryItem item = TestSupport.byId(endpoint, call.spanId());
        assertEquals(Boolean.FALSE, item.baseData().get("success"));
        assertEquals("CONNECT_FAILED", item.baseData().get("resultCode"));
    }

    @Test
    void failoverIsMarkedAndBothRegionsSawTheSameTraceparent() {
        sim.region("westeurope").fault(Fault.serverError(503));
        FunctionResponse response = client.invoke(order());
        assertEquals("northeurope", response.region().name());
        CallInfo call = lastCall.get();
        assertTrue(exporter.flush(TestSupport.WAIT).completed());
        assertTrue(endpoint.awaitAccepted(1, TestSupport.WAIT));
        endpoint.assertNoViolations();
        TelemetryItem item = TestSupport.byId(endpoint, call.spanId());
        assertEquals("true", item.property("failover"));
        assertEquals("2", item.property("attempts"));
        assertEquals("northeurope", item.property("region"));
        String expected = "00-" + call.traceId() + "-" + call.spanId() + "-01";
        assertEquals(expected, sim.region("westeurope").recordedRequests().get(0).header("traceparent"));
        assertEquals(expected, sim.region("northeurope").recordedRequests().get(0).header("traceparent"));
    }

    @Test
    void hedgedCallIsMarked() {
        sim.region("westeurope").latency(Duration.ofSeconds(3));
        try (FunctionClient hedging = new FunctionClientBuilder()
            .region("westeurope", sim.region("westeurope").baseUrl())
            .region("northeurope", sim.region("northeurope").baseUrl())
            .allowPlainHttp(true)
            .failover(FailoverOptions.builder().hedgeReads(true).build())
            .router(new HedgingRouter(Duration.ofMillis(30)))
            .addListener(exporter)
            .addListener(new io.branchline.core.CallListener() {
                @Override
                public void callStart(CallInfo call) {
                    lastCall.set(call);
                }
            })
            .buildClient()) {
            FunctionResponse response = hedging.invoke(order());
            assertEquals("northeurope", response.region().name());
            assertTrue(response.hedged());
        }
        CallInfo call = lastCall.get();
        assertTrue(exporter.flush(TestSupport.WAIT).completed());
        assertTrue(endpoint.awaitAccepted(1, TestSupport.WAIT));
        endpoint.assertNoViolations();
        TelemetryItem item = TestSupport.byId(endpoint, call.spanId());
        assertEquals("true", item.property("hedged"));
        assertEquals("northeurope", item.property("region"));
        assertEquals(Boolean.TRUE, item.baseData().get("success"));
    }

    @Test
    void longValuesAreCutToTheContractLimits() {
        String longRoute = "/api/" + "x".repeat(1500);
        client.invoke(FunctionRequest.get(longRoute).build());
        CallInfo call = lastCall.get();
        assertTrue(exporter.flush(TestSupport.WAIT).completed());
        assertTrue(endpoint.awaitAccepted(1, TestSupport.WAIT));
        endpoint.assertNoViolations();
        TelemetryItem item = TestSupport.byId(endpoint, call.spanId());
        assertEquals(1024, ((String) item.baseData().get("name")).length());
    }

    @Test
    void durationFormat() {
        assertEquals("00:00:00.000000", Envelopes.duration(0));
        assertEquals("00:00:01.234567", Envelopes.duration(1_234_567_890L));
        assertEquals("00:00:00.245000", Envelopes.duration(245_000_000L));
        assertEquals("1.01:01:01.000001", Envelopes.duration(((25L * 3600 + 61) * 1_000_000L + 1) * 1000));
        assertNotNull(Envelopes.duration(Long.MAX_VALUE));
    }

    /** Sends every call to the regions in order, with a fixed hedge delay. */
    static final class HedgingRouter implements RegionRouter {
        private final Duration hedgeDelay;
        private volatile List<Region> regions = List.of();

        HedgingRouter(Duration hedgeDelay) {
            this.hedgeDelay = hedgeDelay;
        }

        @Override
        public void start(RouterContext context) {
            regions = context.regions();
        }

        @Override
        public RoutePlan plan(FunctionRequest request) {
            return RoutePlan.builder().regions(regions).hedgeDelay(hedgeDelay).build();
        }

        @Override
        public void onAttemptEnd(Region region, Attempt attempt) {
        }
    }
}
