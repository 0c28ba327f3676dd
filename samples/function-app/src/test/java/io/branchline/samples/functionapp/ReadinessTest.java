package io.branchline.samples.functionapp;

import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The app's readiness: its order store must accept connections, checked against a real local socket. */
class ReadinessTest {

    /** A clock the test moves by hand. */
    private static final class TestClock extends Clock {
        private Instant now = Instant.parse("2026-12-02T08:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void healthIs200WhileTheStoreAcceptsConnectionsAnd503OnceItStops() throws Exception {
        TestClock clock = new TestClock();
        Readiness readiness = new Readiness(Duration.ofSeconds(5), clock);
        ServerSocket store = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        int port = store.getLocalPort();
        readiness.register("orders-store", Readiness.tcp("127.0.0.1:" + port, Duration.ofSeconds(2)));
        HealthFunction health = new HealthFunction("westeurope", readiness);

        HttpResponseMessage up = health.health(new FakeRequest(HttpMethod.GET, null), FakeRequest.context());
        assertEquals(HttpStatus.OK, up.getStatus(), String.valueOf(up.getBody()));
        assertTrue(up.getBody().toString().contains("\"orders-store\":\"ok\""));

        store.close(); // the database goes away
        assertEquals(HttpStatus.OK, health.health(new FakeRequest(HttpMethod.GET, null), FakeRequest.context())
            .getStatus(), "within the cache time the last result is reused");
        clock.now = clock.now.plusSeconds(5);
        HttpResponseMessage down = health.health(new FakeRequest(HttpMethod.GET, null), FakeRequest.context());
        assertEquals(HttpStatus.SERVICE_UNAVAILABLE, down.getStatus());
        String body = down.getBody().toString();
        assertTrue(body.contains("\"status\":\"Unhealthy\"") && body.contains("\"orders-store\":\"unreachable (ConnectException)\""),
            body);
        assertFalse(body.contains(Integer.toString(port)), "the anonymous answer does not reveal the store's address");
    }

    @Test
    void theAppChecksTheStoreItsSettingsName() throws Exception {
        try (ServerSocket store = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Readiness configured = Readiness.fromSettings(Map.of(Readiness.ORDERS_STORE_SETTING,
                "127.0.0.1:" + store.getLocalPort()));
            assertTrue(configured.evaluate().ready(), configured.evaluate().toString());
        }
        Readiness unset = Readiness.fromSettings(Map.of());
        Readiness.Report report = unset.evaluate();
        assertFalse(report.ready(), "an app that does not know its store is not ready");
        assertEquals("ORDERS_STORE is not set", report.checks().get("orders-store"));
    }

    @Test
    void aRegistryWithoutChecksIsNotReadyAndBadAddressesAreRefused() {
        assertFalse(new Readiness(Duration.ZERO, Clock.systemUTC()).evaluate().ready());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Readiness.tcp("orders-db.internal", Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("host:port"));
        assertThrows(IllegalArgumentException.class, () -> Readiness.tcp("orders-db.internal:99999", Duration.ofSeconds(1)));
    }
}
