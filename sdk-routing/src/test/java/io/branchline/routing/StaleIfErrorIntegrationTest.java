package io.branchline.routing;

import com.azure.core.util.Configuration;
import io.branchline.core.CallListener;
import io.branchline.core.CallInfo;
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.testkit.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stale-if-error on real HTTP against the region simulator, with the client's clock under the test's control. */
class StaleIfErrorIntegrationTest {
    private static final FunctionRequest CATALOG = FunctionRequest.get("/api/catalog").build();
    private Fixture f;
    private final List<String> staleEvents = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    private Fixture start(Consumer<FunctionClientBuilder> more) {
        f = new Fixture(Fixture.regions("westeurope", 5, "northeurope", 20));
        CallListener events = new CallListener() {
            @Override
            public void staleServed(CallInfo call, FunctionResponse stale, FunctionCallException error) {
                staleEvents.add(call.request().route() + " " + error.getClass().getSimpleName());
            }
        };
        return f.start(Fixture.routerBuilder(), Fixture.failover().build(), b -> more.accept(b.addListener(events)));
    }

    @Test
    void duringALinkOutageAnAnswerReadBeforeIsServedMarkedStaleAndTheFailureStaysVisible() {
        start(b -> b.staleIfError(Duration.ofMinutes(5)));
        f.router.probeNow();
        FunctionResponse fresh = f.client.invoke(CATALOG);
        assertFalse(fresh.isStale());
        assertEquals(Duration.ZERO, fresh.age());
        f.sim.branchLinkDown();
        f.clock.advance(Duration.ofSeconds(42));
        FunctionResponse stale = f.client.invoke(CATALOG);
        assertTrue(stale.isStale());
        assertEquals(200, stale.statusCode());
        assertEquals(fresh.bodyAsString(), stale.bodyAsString());
        assertEquals(Duration.ofSeconds(42), stale.age());
        assertEquals("42", stale.header("Age"));
        assertTrue(stale.header("Warning").contains("110") && stale.header("Warning").contains("111"),
            stale.header("Warning"));
        assertNotNull(stale.staleCause());
        assertEquals(0, stale.staleCause().statusCode());
        assertFalse(stale.attempts().isEmpty());
        assertTrue(stale.route().isStale());
        assertTrue(stale.route().compact().endsWith("|stale"), stale.route().compact());
        // nothing reached a region: the failure it stands in for is "no region available"
        assertEquals(List.of("/api/catalog NoRegionAvailableException"), staleEvents);
        // a path never read before has nothing to fall back on
        assertThrows(FunctionCallException.class, () -> f.client.invoke(FunctionRequest.get("/api/prices").build()));
    }

    @Test
    void offByDefault() {
        start(b -> { });
        f.router.probeNow();
        f.client.invoke(CATALOG);
        f.sim.branchLinkDown();
        assertThrows(FunctionCallException.class, () -> f.client.invoke(CATALOG));
    }

    @Test
    void notBeyondTheAllowedStaleness() {
        start(b -> b.staleIfError(Duration.ofMinutes(1)));
        f.router.probeNow();
        f.client.invoke(CATALOG);
        f.sim.branchLinkDown();
        f.clock.advance(Duration.ofSeconds(61));
        assertThrows(FunctionCallException.class, () -> f.client.invoke(CATALOG));
        assertTrue(staleEvents.isEmpty());
    }

    @Test
    void theFunctionsCacheControlIsHonoured() {
        start(b -> b.staleIfError(Duration.ofMinutes(5)));
        f.router.probeNow();
        f.region("westeurope").responseHeader("Cache-Control", "no-store");
        f.client.invoke(FunctionRequest.get("/api/no-store").build());
        f.region("westeurope").responseHeader("Cache-Control", "private, max-age=60");
        f.client.invoke(FunctionRequest.get("/api/private").build());
        f.region("westeurope").responseHeader("Cache-Control", "max-age=0, stale-if-error=10");
        f.client.invoke(FunctionRequest.get("/api/ten-seconds").build());
        f.region("westeurope").responseHeader("Cache-Control", "max-age=30");
        f.client.invoke(FunctionRequest.get("/api/fresh-for-30").build());
        f.sim.branchLinkDown();
        f.clock.advance(Duration.ofSeconds(5));
        assertThrows(FunctionCallException.class, () -> f.client.invoke(FunctionRequest.get("/api/no-store").build()));
        assertThrows(FunctionCallException.class, () -> f.client.invoke(FunctionRequest.get("/api/private").build()));
        assertTrue(f.client.invoke(FunctionRequest.get("/api/ten-seconds").build()).isStale());
        f.clock.advance(Duration.ofSeconds(6));
        // the function allowed 10 s of staleness, less than the client's 5 minutes
        assertThrows(FunctionCallException.class, () -> f.client.invoke(FunctionRequest.get("/api/ten-seconds").build()));
        // freshness counts on top of the allowed staleness: 30 s fresh + 5 min
        f.clock.advance(Duration.ofMinutes(5).plusSeconds(15));
        FunctionResponse r = f.client.invoke(FunctionRequest.get("/api/fresh-for-30").build());
        assertTrue(r.isStale());
        assertEquals(Duration.ofSeconds(5 + 6 + 315), r.age());
    }

    @Test
    void onlyGetsAndNeverRequestsWithAuthorizationUnlessAllowed() {
        start(b -> b.staleIfError(Duration.ofMinutes(5)));
        f.router.probeNow();
        FunctionRequest put = FunctionRequest.put("/api/catalog").body("x").build();
        FunctionRequest authorized = FunctionRequest.get("/api/mine").header("Authorization", "Bearer abc").build();
        f.client.invoke(put);
        f.client.invoke(authorized);
        f.sim.branchLinkDown();
        assertThrows(FunctionCallException.class, () -> f.client.invoke(put));
        assertThrows(FunctionCallException.class, () -> f.client.invoke(authorized));
    }

    @Test
    void authorizedRequestsWhenTheUserSaysSo() {
        start(b -> b.staleIfError(Duration.ofMinutes(5)).staleIfErrorForAuthorizedRequests(true));
        f.router.probeNow();
        FunctionRequest authorized = FunctionRequest.get("/api/mine").header("Authorization", "Bearer abc").build();
        f.client.invoke(authorized);
        f.sim.branchLinkDown();
        assertTrue(f.client.invoke(authorized).isStale());
    }

    @Test
    void aFunctionsOwnErrorAnswerIsNotReplacedButServerErrorsAre() {
        start(b -> b.staleIfError(Duration.ofMinutes(5)));
        f.router.probeNow();
        f.client.invoke(CATALOG);
        f.sim.regions().forEach(r -> r.respond("/api/catalog", 404, "application/json",
            "{}".getBytes(StandardCharsets.UTF_8)));
        FunctionCallException notFound = assertThrows(FunctionCallException.class, () -> f.client.invoke(CATALOG));
        assertEquals(404, notFound.statusCode());
        f.sim.regions().forEach(r -> r.clearResponses().fault(Fault.serverError(503)));
        assertTrue(f.client.invoke(CATALOG).isStale());
    }

    @Test
    void aRequestMayTurnItOnOrOff() {
        start(b -> { });
        f.router.probeNow();
        FunctionRequest allowed = CATALOG.toBuilder().staleIfError(Duration.ofMinutes(1)).build();
        f.client.invoke(allowed);
        f.sim.branchLinkDown();
        assertTrue(f.client.invoke(allowed).isStale());
        assertThrows(FunctionCallException.class,
            () -> f.client.invoke(allowed.toBuilder().staleIfError(Duration.ZERO).build()));
    }

    @Test
    void theCacheIsBoundedInBytes() {
        start(b -> b.staleIfError(Duration.ofMinutes(5)).staleIfErrorLimits(100, 64));
        f.router.probeNow();
        f.client.invoke(CATALOG);
        f.sim.branchLinkDown();
        // one answer weighs more than 64 bytes (body, headers and overhead): nothing is kept
        assertThrows(FunctionCallException.class, () -> f.client.invoke(CATALOG));
    }

    @Test
    void theCacheIsBoundedInEntries() {
        start(b -> b.staleIfError(Duration.ofMinutes(5)).staleIfErrorLimits(2, 1 << 20));
        f.router.probeNow();
        for (int i = 0; i < 5; i++) {
            f.client.invoke(FunctionRequest.get("/api/items/{id}").pathParam("id", Integer.toString(i)).build());
        }
        f.sim.branchLinkDown();
        int served = 0;
        for (int i = 0; i < 5; i++) {
            try {
                served += f.client.invoke(FunctionRequest.get("/api/items/{id}").pathParam("id", Integer.toString(i))
                    .build()).isStale() ? 1 : 0;
            } catch (FunctionCallException e) {
                // evicted
            }
        }
        assertTrue(served >= 1 && served <= 2, "served " + served);
    }

    @Test
    void fromAPropertiesFile() {
        f = new Fixture(Fixture.regions("westeurope", 5));
        Properties p = new Properties();
        p.setProperty("branchline.regions", "westeurope=" + f.region("westeurope").baseUrl());
        p.setProperty("branchline.allow-plain-http", "true");
        p.setProperty("branchline.stale-if-error", "5m");
        p.setProperty("branchline.stale-if-error.max-entries", "50");
        p.setProperty("branchline.routing.probe.enabled", "false");
        try (FunctionClient client = FunctionClientBuilder.fromProperties(p).clock(f.clock).buildClient()) {
            client.invoke(CATALOG);
            f.sim.branchLinkDown();
            FunctionResponse r = client.invoke(CATALOG);
            assertTrue(r.isStale());
            assertSame(FunctionResponse.class, r.getClass());
        }
    }

    @Test
    void aMalformedSettingFailsTheBuild() {
        Properties p = new Properties();
        p.setProperty("branchline.regions", "westeurope=https://orders-we.azurewebsites.net");
        p.setProperty("branchline.stale-if-error", "-5m");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> FunctionClientBuilder.fromProperties(p).configuration(Configuration.NONE).buildClient().close());
        assertTrue(e.getMessage().contains("branchline.stale-if-error"), e.getMessage());
    }
}
