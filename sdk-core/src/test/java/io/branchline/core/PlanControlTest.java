package io.branchline.core;

import io.branchline.core.models.Attempt;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Properties;

import static io.branchline.core.Fixtures.ok;
import static io.branchline.core.Fixtures.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What core takes from a router's plan for run-time control: the plan's attempt limit, and a region's deployment
 * slot (its own URL and key) as a region of the plan.
 */
class PlanControlTest {
    private final MockWebServer we = new MockWebServer();
    private final MockWebServer ne = new MockWebServer();
    private final MockWebServer staging = new MockWebServer();

    @BeforeEach
    void start() throws IOException {
        we.start();
        ne.start();
        staging.start();
    }

    @AfterEach
    void stop() {
        we.close();
        ne.close();
        staging.close();
    }

    /** A router whose plans are set by the test. */
    static final class PlanRouter implements RegionRouter {
        volatile RoutePlan plan;

        @Override
        public RoutePlan plan(FunctionRequest request) {
            return plan;
        }

        @Override
        public void onAttemptEnd(Region region, Attempt attempt) {
        }
    }

    @Test
    void aPlansAttemptLimitOverridesTheClientsForTheCallsOnIt() {
        Region w = Fixtures.region("we", we);
        Region n = Fixtures.region("ne", ne);
        PlanRouter router = new PlanRouter();
        router.plan = RoutePlan.builder().regions(List.of(w, n)).maxAttempts(1).build();
        try (FunctionClient client = Fixtures.builder().region(w).region(n).router(router).buildClient()) {
            we.enqueue(status(503));
            FunctionCallException e = assertThrows(FunctionCallException.class,
                () -> client.invoke(FunctionRequest.get("/api/orders").build()));
            assertEquals(1, e.attempts().size());
            assertTrue(e.getMessage().contains("used all 1 attempts"), e.getMessage());
            assertEquals(0, ne.getRequestCount());

            router.plan = RoutePlan.builder().regions(List.of(w, n)).build(); // 0: the client's own (3)
            we.enqueue(status(503));
            ne.enqueue(ok("{}"));
            assertEquals("ne", client.invoke(FunctionRequest.get("/api/orders").build()).region().name());
        }
    }

    @Test
    void aSlotIsCalledAtItsOwnUrlWithItsOwnKeyAndAnswersAsTheSlot() throws Exception {
        Region w = Region.builder("we", we.url("/").toString()).functionKey("key-we")
            .slot("staging", staging.url("/").toString()).slotFunctionKey("key-staging").build();
        PlanRouter router = new PlanRouter();
        router.plan = RoutePlan.of(List.of(w.slot(), w));
        try (FunctionClient client = Fixtures.builder().region(w).router(router).buildClient()) {
            staging.enqueue(ok("{\"from\":\"staging\"}"));
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/orders").build());
            assertEquals("we", r.region().name());
            assertEquals("staging", r.region().slotName());
            assertEquals("key-staging", Fixtures.take(staging).getHeaders().get("x-functions-key"));
            assertEquals(0, we.getRequestCount());
        }
        assertFalse(w.toString().contains("key-staging"));
        assertTrue(w.toString().contains("stagingSlot=staging"), w.toString());
    }

    @Test
    void aSlotComesFromSettingsWithItsKey() {
        Properties p = new Properties();
        p.setProperty("branchline.regions", "we=" + we.url("/"));
        p.setProperty("branchline.allow-plain-http", "true");
        p.setProperty("branchline.region.we.slot", "staging=" + staging.url("/"));
        p.setProperty("branchline.region.we.slot.key", "key-staging");
        try (FunctionClient client = FunctionClientBuilder.fromProperties(p).buildClient()) {
            Region w = client.regions().get(0);
            assertEquals("staging", w.slot().slotName());
            assertEquals(staging.url("/").toString().replaceAll("/$", ""), w.slot().baseUrl());
        }
        Properties orphan = new Properties();
        orphan.setProperty("branchline.regions", "we=https://orders-we.example");
        orphan.setProperty("branchline.region.we.slot.key", "key-staging");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> FunctionClientBuilder.fromProperties(orphan).buildClient().close());
        assertTrue(e.getMessage().contains("branchline.region.we.slot names no slot"), e.getMessage());
        assertFalse(e.getMessage().contains("key-staging"));
    }
}
