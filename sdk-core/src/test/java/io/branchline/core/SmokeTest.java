package io.branchline.core;

import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SmokeTest {
    @StartStop
    final MockWebServer we = new MockWebServer();
    @StartStop
    final MockWebServer ne = new MockWebServer();

    @Test
    void failsOverOn503() throws Exception {
        we.enqueue(new MockResponse.Builder().code(503).build());
        ne.enqueue(new MockResponse.Builder().code(200).body("{\"ok\":true}").build());
        try (FunctionClient client = new FunctionClientBuilder()
                .region(Region.builder("we", we.url("/").toString()).functionKey("k1").build())
                .region(Region.builder("ne", ne.url("/").toString()).functionKey("k2").build())
                .allowPlainHttp(true).buildClient()) {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            assertEquals(200, r.statusCode());
            assertEquals("ne", r.region().name());
            RecordedRequest a = we.takeRequest();
            RecordedRequest b = ne.takeRequest();
            assertEquals("k1", a.getHeaders().get("x-functions-key"));
            assertEquals("k2", b.getHeaders().get("x-functions-key"));
            System.out.println(r.attempts());
        }
    }
}
