package io.branchline.samples.functionapp;

import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FunctionsTest {
    private final OrderFunctions orders = new OrderFunctions("westeurope");

    @Test
    void putIsIdempotentAndGetReadsItBack() {
        HttpResponseMessage first = orders.putOrder(new FakeRequest(HttpMethod.PUT, "{\"sku\":\"A1\"}"), "o-1", FakeRequest.context());
        HttpResponseMessage again = orders.putOrder(new FakeRequest(HttpMethod.PUT, "{\"sku\":\"A1\"}"), "o-1", FakeRequest.context());
        assertEquals(HttpStatus.OK, first.getStatus());
        assertEquals(first.getBody(), again.getBody());
        HttpResponseMessage got = orders.getOrder(new FakeRequest(HttpMethod.GET, null), "o-1", FakeRequest.context());
        assertEquals(HttpStatus.OK, got.getStatus());
        assertTrue(got.getBody().toString().contains("\"region\":\"westeurope\""));
        assertEquals("application/json", got.getHeader("Content-Type"));
    }

    @Test
    void unknownOrderIs404AndBadIdIs400() {
        assertEquals(HttpStatus.NOT_FOUND,
            orders.getOrder(new FakeRequest(HttpMethod.GET, null), "nope", FakeRequest.context()).getStatus());
        assertEquals(HttpStatus.BAD_REQUEST,
            orders.getOrder(new FakeRequest(HttpMethod.GET, null), "../etc", FakeRequest.context()).getStatus());
    }

    @Test
    void postCreatesOncePerIdempotencyKey() {
        HttpResponseMessage created = orders.createOrder(
            new FakeRequest(HttpMethod.POST, "{\"sku\":\"B2\"}").header("idempotency-key", "k-7"), FakeRequest.context());
        HttpResponseMessage replay = orders.createOrder(
            new FakeRequest(HttpMethod.POST, "{\"sku\":\"other\"}").header("Idempotency-Key", "k-7"), FakeRequest.context());
        assertEquals(HttpStatus.CREATED, created.getStatus());
        assertEquals(HttpStatus.OK, replay.getStatus());
        assertEquals(created.getBody(), replay.getBody());
        assertEquals(HttpStatus.BAD_REQUEST,
            orders.createOrder(new FakeRequest(HttpMethod.POST, "{}"), FakeRequest.context()).getStatus());
    }

    @Test
    void healthAnswersFromTheRegisteredChecks() {
        Readiness readiness = new Readiness(Duration.ZERO, Clock.systemUTC());
        AtomicBoolean storeUp = new AtomicBoolean(true);
        readiness.register("orders-store", () -> {
            if (!storeUp.get()) {
                throw new IllegalStateException("unreachable (ConnectException)");
            }
        });
        HealthFunction health = new HealthFunction("northeurope", readiness);
        HttpResponseMessage up = health.health(new FakeRequest(HttpMethod.GET, null), FakeRequest.context());
        assertEquals(HttpStatus.OK, up.getStatus());
        assertEquals("{\"status\":\"Healthy\",\"region\":\"northeurope\",\"checks\":{\"orders-store\":\"ok\"}}",
            up.getBody());
        storeUp.set(false);
        HttpResponseMessage down = health.health(new FakeRequest(HttpMethod.GET, null), FakeRequest.context());
        assertEquals(HttpStatus.SERVICE_UNAVAILABLE, down.getStatus());
        assertTrue(down.getBody().toString().contains("\"orders-store\":\"unreachable (ConnectException)\""));
    }
}
