package io.branchline.core;

import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;
import io.branchline.core.models.RegionStatus;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.branchline.core.Fixtures.builder;
import static io.branchline.core.Fixtures.callFails;
import static io.branchline.core.Fixtures.refusedRegion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, point 6: one error model. FunctionCallException when a region was reached (with its answer),
 * NoRegionAvailableException only when nothing could be sent (naming each region and why), in plain words.
 */
class ErrorModelTest {
    @StartStop
    final MockWebServer we = new MockWebServer();

    @Test
    void aServerErrorKeepsItsStatusHeadersAndBody() {
        we.enqueue(new MockResponse.Builder().code(500).setHeader("x-ms-request-id", "req-42")
            .body("{\"error\":\"database down\"}").build());
        try (FunctionClient client = builder().region(Fixtures.region("we", we)).buildClient()) {
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.get("/api/x").build()));
            assertFalse(e instanceof NoRegionAvailableException, "the region answered: " + e);
            assertEquals(500, e.statusCode());
            assertEquals("{\"error\":\"database down\"}", new String(e.responseBody(), StandardCharsets.UTF_8));
            assertEquals("req-42", e.requestId());
            assertEquals(500, e.getResponse().getStatusCode());
            assertEquals("{\"error\":\"database down\"}", e.getResponse().getBodyAsString().block());
            assertEquals("we", e.region());
        }
    }

    @Test
    void regionsThatRefuseAreNoRegionAvailableOnEveryCall() {
        try (FunctionClient client = builder().region(refusedRegion("we")).region(refusedRegion("ne"))
                .region(refusedRegion("fr")).buildClient()) {
            for (int i = 0; i < 2; i++) {
                FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.post("/api/x").body("{}").build()));
                NoRegionAvailableException n = assertInstanceOf(NoRegionAvailableException.class, e);
                assertEquals(List.of("we", "ne", "fr"), List.copyOf(n.unavailableRegions().keySet()));
                assertTrue(n.unavailableRegions().get("ne").contains("connection refused"), n.unavailableRegions().toString());
                assertTrue(e.getMessage().contains("could not be sent to any region"), e.getMessage());
                assertEquals(0, e.statusCode());
            }
        }
    }

    @Test
    void aHalfOpenBreakerIsCalledThatNotAConcurrencyLimit() {
        Region only = Fixtures.region("we", we);
        RegionRouter halfOpen = new RegionRouter() {
            @Override
            public RoutePlan plan(FunctionRequest request) {
                return RoutePlan.of(List.of(only));
            }

            @Override
            public boolean tryAcquire(Region region) {
                return false;
            }

            @Override
            public void onAttemptEnd(Region region, Attempt attempt) {
            }

            @Override
            public List<RegionStatus> status() {
                return List.of(new RegionStatus("we", RegionHealth.HEALTHY, BreakerState.HALF_OPEN, null, null, 1.0, 1));
            }
        };
        try (FunctionClient client = builder().region(only).router(halfOpen).buildClient()) {
            NoRegionAvailableException e = assertThrows(NoRegionAvailableException.class,
                () -> client.invoke(FunctionRequest.get("/api/x").build()));
            assertTrue(e.unavailableRegions().get("we").contains("circuit breaker half-open"), e.getMessage());
            assertFalse(e.getMessage().contains("concurrency limit"), e.getMessage());
        }
    }

    @Test
    void aPortOutOfRangeFailsWhenTheRegionIsBuilt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Region.of("we", "https://orders-we.azurewebsites.net:70000"));
        assertTrue(e.getMessage().contains("port 70000") && e.getMessage().contains("1 to 65535"), e.getMessage());
    }

    @Test
    void transportInternalsDoNotReachMessages() {
        RuntimeException wrapped = new RuntimeException(
            "Error while acquiring from reactor.netty.internal.shaded.reactor.pool.SimpleDequePool@1f652e88",
            new ConnectException("Connection refused: /10.1.2.3:443"));
        String d = Outcomes.describe(wrapped);
        assertFalse(d.contains("reactor.netty") || d.contains("SimpleDequePool") || d.contains("@1f652e88"), d);
        assertTrue(d.startsWith("connection refused"), d);
        assertEquals(AttemptOutcome.CONNECT_FAILED, Outcomes.ofError(wrapped));
        String other = Outcomes.describe(new IllegalStateException(
            "state of reactor.netty.internal.shaded.reactor.pool.SimpleDequePool@1f652e88 is odd"));
        assertFalse(other.contains("SimpleDequePool@"), other);
    }
}
