package io.branchline.samples.functionapp;

import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import org.junit.jupiter.api.Test;

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
    void healthFollowsDependencies() {
        HttpResponseMessage up = new HealthFunction("northeurope", () -> true)
            .health(new FakeRequest(HttpMethod.GET, null), FakeRequest.context());
        HttpResponseMessage down = new HealthFunction("northeurope", () -> false)
            .health(new FakeRequest(HttpMethod.GET, null), FakeRequest.context());
        assertEquals(HttpStatus.OK, up.getStatus());
        assertTrue(up.getBody().toString().contains("Healthy"));
        assertEquals(HttpStatus.SERVICE_UNAVAILABLE, down.getStatus());
    }
}
