package io.branchline.core;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.util.ClientOptions;
import com.azure.core.util.Header;
import io.branchline.core.models.AttemptOutcome;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static io.branchline.core.Fixtures.builder;
import static io.branchline.core.Fixtures.ok;
import static io.branchline.core.Fixtures.region;
import static io.branchline.core.Fixtures.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Happy paths and what goes on the wire: keys, trace context, user agent, headers, body, query and path. */
class FunctionClientTest {
    @StartStop
    final MockWebServer we = new MockWebServer();
    @StartStop
    final MockWebServer ne = new MockWebServer();

    public record Order(String id, int qty) {
    }

    @Test
    void blockingCallReturnsStatusHeadersBodyAndRegion() throws Exception {
        we.enqueue(new mockwebserver3.MockResponse.Builder().code(200).setHeader("Content-Type", "application/json")
            .setHeader("x-ms-request-id", "req-1").body("{\"id\":\"42\",\"qty\":3}").build());
        try (FunctionClient client = builder().region(region("we", we)).buildClient()) {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "42").build());
            assertEquals(200, r.statusCode());
            assertEquals("we", r.region().name());
            assertEquals("req-1", r.header("X-MS-REQUEST-ID"));
            assertEquals("application/json", r.contentType());
            assertEquals(new Order("42", 3), r.bodyAs(Order.class));
            assertEquals(1, r.attempts().size());
            assertEquals(AttemptOutcome.SUCCESS, r.attempts().get(0).outcome());
            assertFalse(r.failedOver());
            assertFalse(r.hedged());
            assertEquals("/api/orders/42", take(we).getUrl().encodedPath());
        }
    }

    @Test
    void asyncCallCompletesTheMono() throws Exception {
        we.enqueue(ok("{\"id\":\"7\",\"qty\":1}"));
        try (FunctionAsyncClient client = builder().region(region("we", we)).buildAsyncClient()) {
            CountDownLatch done = new CountDownLatch(1);
            AtomicReference<FunctionResponse> response = new AtomicReference<>();
            AtomicReference<Throwable> error = new AtomicReference<>();
            client.invoke(FunctionRequest.get("/api/orders/7").build())
                .subscribe(response::set, e -> {
                    error.set(e);
                    done.countDown();
                }, done::countDown);
            assertTrue(done.await(10, TimeUnit.SECONDS), "the Mono completes");
            assertNull(error.get());
            assertEquals(new Order("7", 1), response.get().bodyAs(Order.class));
            // block() works too
            we.enqueue(ok("{}"));
            assertEquals(200, client.invoke(FunctionRequest.get("/api/x").build()).block().statusCode());
        }
    }

    @Test
    void asyncCallIsLazy() throws Exception {
        try (FunctionAsyncClient client = builder().region(region("we", we)).buildAsyncClient()) {
            client.invoke(FunctionRequest.get("/api/x").build()); // never subscribed
            Fixtures.assertNoRequest(we);
        }
    }

    @Test
    void sendsEachRegionsKeyAndTheDefaultKeyForRegionsWithout() throws Exception {
        we.enqueue(Fixtures.status(503));
        ne.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(region("we", we))
                .region(Region.of("ne", ne.url("/").toString())).functionKey("default-key").buildClient()) {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            assertEquals("ne", r.region().name());
            assertTrue(r.failedOver());
            assertEquals("key-we", take(we).getHeaders().get("x-functions-key"));
            assertEquals("default-key", take(ne).getHeaders().get("x-functions-key"));
        }
    }

    @Test
    void anonymousCallsSendNoKey() throws Exception {
        we.enqueue(ok("{}"));
        try (FunctionClient client = builder().endpoint(we.url("/").toString()).buildClient()) {
            assertEquals("default", client.invoke(FunctionRequest.get("/api/x").build()).region().name());
            RecordedRequest req = take(we);
            assertNull(req.getHeaders().get("x-functions-key"));
            assertNull(req.getHeaders().get("Authorization"));
        }
    }

    @Test
    void sendsANewTraceparentPerCallAndTheSameOnEveryAttempt() throws Exception {
        we.enqueue(Fixtures.status(500));
        ne.enqueue(ok("{}"));
        ne.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne)).buildClient()) {
            client.invoke(FunctionRequest.get("/api/x").build());
            String first = take(we).getHeaders().get("traceparent");
            String retry = take(ne).getHeaders().get("traceparent");
            assertTrue(first.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), first);
            assertEquals(first, retry, "attempts of one call share its span");
            client.invoke(FunctionRequest.get("/api/x").preferRegions("ne").build());
            String next = take(ne).getHeaders().get("traceparent");
            assertNotEquals(first.substring(3, 35), next.substring(3, 35), "a new call starts a new trace");
        }
    }

    @Test
    void continuesTheCallersTrace() throws Exception {
        String parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        we.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(region("we", we)).buildClient()) {
            client.invoke(FunctionRequest.get("/api/x").traceparent(parent).build());
            String sent = take(we).getHeaders().get("traceparent");
            assertTrue(sent.startsWith("00-0af7651916cd43dd8448eb211c80319c-"), sent);
            assertFalse(sent.contains("b7ad6b7169203331"), "a child span gets a span id of its own");
            assertTrue(sent.endsWith("-01"));
        }
        assertThrows(IllegalArgumentException.class, () -> FunctionRequest.get("/api/x").traceparent("nope"));
    }

    @Test
    void sendsUserAgentUserHeadersAndClientOptionHeaders() throws Exception {
        we.enqueue(ok("{}"));
        ClientOptions options = new ClientOptions().setApplicationId("branch-app")
            .setHeaders(List.of(new Header("x-branch", "b-17")));
        try (FunctionClient client = builder().region(region("we", we)).clientOptions(options).buildClient()) {
            client.invoke(FunctionRequest.get("/api/x").header("x-custom", "v1").header("Accept", "text/plain").build());
            RecordedRequest req = take(we);
            String ua = req.getHeaders().get("User-Agent");
            assertTrue(ua.contains("branchline"), ua);
            assertTrue(ua.contains("branch-app"), ua);
            assertEquals("v1", req.getHeaders().get("x-custom"));
            assertEquals("text/plain", req.getHeaders().get("Accept"));
            assertEquals("b-17", req.getHeaders().get("x-branch"));
        }
    }

    @Test
    void userHeadersCannotReplaceTheRegionKeyOrTraceparent() throws Exception {
        we.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(region("we", we)).buildClient()) {
            client.invoke(FunctionRequest.get("/api/x").header("x-functions-key", "other").header("traceparent", "x")
                .build());
            RecordedRequest req = take(we);
            assertEquals("key-we", req.getHeaders().get("x-functions-key"));
            assertTrue(req.getHeaders().get("traceparent").startsWith("00-"));
        }
    }

    @Test
    void sendsJsonTextAndBinaryBodiesWithTheirContentType() throws Exception {
        for (int i = 0; i < 4; i++) {
            we.enqueue(ok("{}"));
        }
        try (FunctionClient client = builder().region(region("we", we)).buildClient()) {
            client.invoke(FunctionRequest.post("/api/orders").jsonBody(new Order("a", 2)).build());
            RecordedRequest json = take(we);
            assertEquals("POST", json.getMethod());
            assertEquals("application/json", json.getHeaders().get("Content-Type"));
            String body = json.getBody().utf8();
            assertTrue(body.contains("\"id\":\"a\"") && body.contains("\"qty\":2"), body);

            client.invoke(FunctionRequest.put("/api/notes/1").body("héllo").build());
            RecordedRequest text = take(we);
            assertEquals("text/plain; charset=utf-8", text.getHeaders().get("Content-Type"));
            assertEquals("héllo", text.getBody().string(StandardCharsets.UTF_8));

            client.invoke(FunctionRequest.post("/api/blob").body(new byte[] {1, 2, 3})
                .header("Content-Type", "application/x-custom").build());
            RecordedRequest bin = take(we);
            assertEquals("application/x-custom", bin.getHeaders().get("Content-Type"));
            assertEquals(3, bin.getBodySize());

            client.invoke(FunctionRequest.post("/api/ping").build());
            assertEquals("0", take(we).getHeaders().get("Content-Length"));
        }
    }

    @Test
    void encodesQueryAndPathParameters() throws Exception {
        we.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(region("we", we)).buildClient()) {
            client.invoke(FunctionRequest.builder(HttpMethod.GET, "/api/items/{name}/parts/{part}")
                .pathParam("name", "a b/c?d").pathParam("part", "é#1")
                .query("q", "x y&z=1").query("sort", "-date").query("emoji", "€")
                .build());
            RecordedRequest req = take(we);
            assertEquals("/api/items/a%20b%2Fc%3Fd/parts/%C3%A9%231", req.getUrl().encodedPath());
            assertEquals(List.of("a b/c?d", "é#1"), req.getUrl().pathSegments().subList(2, 5).stream()
                .filter(s -> !s.equals("parts")).collect(Collectors.toList()));
            assertEquals("x y&z=1", req.getUrl().queryParameter("q"));
            assertEquals("-date", req.getUrl().queryParameter("sort"));
            assertEquals("€", req.getUrl().queryParameter("emoji"));
            assertEquals(Set.of("q", "sort", "emoji"), req.getUrl().queryParameterNames());
        }
        IllegalStateException missing = assertThrows(IllegalStateException.class,
            () -> FunctionRequest.get("/api/items/{name}").build());
        assertTrue(missing.getMessage().contains("pathParam(\"name\""), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FunctionRequest.get("/api/x?code=abc"));
        assertThrows(IllegalArgumentException.class, () -> FunctionRequest.get("api/x"));
    }

    @Test
    void requestToBuilderKeepsEverything() {
        FunctionRequest r = FunctionRequest.get("/api/items/{id}").pathParam("id", "a b").query("k", "v")
            .header("h", "1").preferRegions("ne").excludeRegions("we").hedge(false).build();
        FunctionRequest copy = r.toBuilder().build();
        assertEquals(r.path(), copy.path());
        assertEquals("/api/items/a%20b", copy.path());
        assertEquals(Map.of("k", "v"), copy.query());
        assertEquals(List.of("ne"), copy.preferredRegions());
        assertEquals(Set.of("we"), copy.excludedRegions());
        assertEquals(Boolean.FALSE, copy.hedge());
        assertEquals("1", copy.headers().get("h"));
        assertEquals("/api/items/b", r.toBuilder().pathParam("id", "b").build().path());
    }

    @Test
    void idempotencyDefaultsFollowTheMethod() {
        assertTrue(FunctionRequest.get("/a").build().isIdempotent());
        assertTrue(FunctionRequest.put("/a").build().isIdempotent());
        assertTrue(FunctionRequest.delete("/a").build().isIdempotent());
        assertTrue(FunctionRequest.builder(HttpMethod.HEAD, "/a").build().isIdempotent());
        assertFalse(FunctionRequest.post("/a").build().isIdempotent());
        assertFalse(FunctionRequest.builder(HttpMethod.PATCH, "/a").build().isIdempotent());
        assertTrue(FunctionRequest.post("/a").idempotent(true).build().isIdempotent());
    }

    @Test
    void preferredAndExcludedRegionsShapeThePlan() throws Exception {
        ne.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne)).buildClient()) {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").preferRegions("ne").build());
            assertEquals("ne", r.region().name());
            we.enqueue(Fixtures.status(503));
            FunctionCallException e = Fixtures.callFails(
                () -> client.invoke(FunctionRequest.get("/api/x").excludeRegions("ne").build()));
            assertEquals(503, e.statusCode());
            assertTrue(e.getMessage().contains("ne: excluded by the request"), e.getMessage());
            assertEquals(1, e.attempts().size());
        }
    }

    @Test
    void responseHeadersAndTextBody() throws Exception {
        we.enqueue(new mockwebserver3.MockResponse.Builder().code(201)
            .setHeader("Content-Type", "text/plain; charset=ISO-8859-1")
            .body(new okio.Buffer().write("caf\u00e9".getBytes(StandardCharsets.ISO_8859_1))).build());
        try (FunctionClient client = builder().region(region("we", we)).buildClient()) {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            assertEquals(201, r.statusCode());
            assertEquals("café", r.bodyAsString());
            assertEquals(4, r.bodyLength());
            assertEquals("text/plain; charset=ISO-8859-1", r.headers().getValue(HttpHeaderName.CONTENT_TYPE));
        }
    }

    @Test
    void closeStopsEveryBranchlineThreadAndRefusesLaterCalls() throws Exception {
        we.enqueue(ok("{}"));
        FunctionClient client = builder().region(region("we", we)).buildClient();
        client.invoke(FunctionRequest.get("/api/x").build());
        client.close();
        client.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> client.invoke(FunctionRequest.get("/api/x").build()));
        List<String> alive = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
            .map(Thread::getName).filter(n -> n.startsWith("branchline-")).collect(Collectors.toList());
        assertEquals(List.of(), alive);
    }
}
