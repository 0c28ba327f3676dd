package io.branchline.core;

import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.TimeoutOptions;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.branchline.core.Fixtures.assertNoRequest;
import static io.branchline.core.Fixtures.builder;
import static io.branchline.core.Fixtures.callFails;
import static io.branchline.core.Fixtures.ok;
import static io.branchline.core.Fixtures.region;
import static io.branchline.core.Fixtures.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Connect, response and read timeouts, and the call deadline. Upper bounds are generous: the point is a timer firing. */
class TimeoutTest {
    @StartStop
    final MockWebServer we = new MockWebServer();
    @StartStop
    final MockWebServer ne = new MockWebServer();

    /** Short, yet long enough for a loopback answer on a loaded machine: only a stalled server takes longer. */
    private static final TimeoutOptions SHORT = TimeoutOptions.builder().response(Duration.ofMillis(1000))
        .read(Duration.ofMillis(1000)).connect(Duration.ofMillis(1000)).build();

    private static MockResponse slowHeaders() {
        return new MockResponse.Builder().code(200).body("late").headersDelay(10, TimeUnit.SECONDS).build();
    }

    /** The transport's first use in a JVM (class loading, JIT) costs seconds on a loaded machine: pay it up front. */
    @BeforeAll
    static void warmTransport() throws Exception {
        try (MockWebServer warm = new MockWebServer()) {
            warm.start();
            warm.enqueue(ok("{}"));
            try (FunctionClient client = builder().region(region("warm", warm)).buildClient()) {
                client.invoke(FunctionRequest.get("/api/warm").build());
            }
        }
    }

    @Test
    void responseTimeoutFailsOverAGet() throws Exception {
        we.enqueue(slowHeaders());
        ne.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne)).timeouts(SHORT)
                .buildClient()) {
            long start = System.nanoTime();
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("ne", r.region().name());
            assertEquals(AttemptOutcome.TIMEOUT, r.attempts().get(0).outcome());
            assertTrue(ms >= 200 && ms < 5000, "took " + ms + " ms");
        }
    }

    @Test
    void responseTimeoutDoesNotReplayAPost() throws Exception {
        we.enqueue(slowHeaders());
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne)).timeouts(SHORT)
                .buildClient()) {
            long start = System.nanoTime();
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.post("/api/orders").body("{}").build()));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5000);
            assertEquals(AttemptOutcome.TIMEOUT, e.attempts().get(0).outcome());
            assertEquals(0, e.statusCode());
            assertTrue(e.getMessage().contains("not idempotent"), e.getMessage());
            take(we);
            assertNoRequest(ne);
        }
    }

    @Test
    void readTimeoutFiresWhenTheBodyStalls() throws Exception {
        we.enqueue(new MockResponse.Builder().code(200).body("late body").bodyDelay(10, TimeUnit.SECONDS).build());
        try (FunctionClient client = builder().region(region("we", we))
                .timeouts(SHORT.toBuilder().response(Duration.ofSeconds(10)).build()).buildClient()) {
            long start = System.nanoTime();
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.get("/api/x").build()));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(AttemptOutcome.TIMEOUT, e.attempts().get(0).outcome());
            assertTrue(ms >= 200 && ms < 5000, "took " + ms + " ms");
        }
    }

    @Test
    void deadlineBoundsTheWholeCall() throws Exception {
        we.enqueue(slowHeaders());
        ne.enqueue(slowHeaders());
        try (FunctionClient client = builder().region(region("we", we)).region(region("ne", ne)).buildClient()) {
            long start = System.nanoTime();
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.get("/api/x")
                .deadline(Duration.ofMillis(400)).hedge(false).build()));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= 400 && ms < 5000, "took " + ms + " ms");
            assertTrue(e.getMessage().contains("deadline"), e.getMessage());
            assertEquals(AttemptOutcome.TIMEOUT, e.attempts().get(0).outcome());
        }
    }

    @Test
    void clientDeadlineAppliesWhenTheRequestHasNone() throws Exception {
        we.enqueue(slowHeaders());
        try (FunctionClient client = builder().region(region("we", we))
                .timeouts(TimeoutOptions.builder().call(Duration.ofMillis(300)).build()).buildClient()) {
            long start = System.nanoTime();
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.get("/api/x").build()));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5000);
            assertEquals(AttemptOutcome.TIMEOUT, e.attempts().get(0).outcome());
        }
    }

    /**
     * A listening socket whose accept backlog is full drops further SYNs on Linux, so a connect hangs until the
     * connect timeout fires. Where the OS refuses instead, the attempt is still CONNECT_FAILED.
     */
    @Test
    void connectTimeoutIsConnectFailedAndFailsOverEvenAPost() throws Exception {
        ne.enqueue(ok("{}"));
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Socket s = new Socket();
                    try {
                        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort()), 1000);
                    } catch (IOException ignored) {
                        // the backlog is full already
                    }
                    fillers.add(s);
                }
                Region hanging = Region.of("we", "http://127.0.0.1:" + full.getLocalPort());
                // A response timeout far above the connect timeout: CONNECT_FAILED (not TIMEOUT) and the POST moving
                // show the connect timeout ended the attempt, with room for a loaded machine's slowness.
                try (FunctionClient client = builder().region(hanging).region(region("ne", ne))
                        .timeouts(SHORT.toBuilder().response(Duration.ofSeconds(30)).call(Duration.ofSeconds(60)).build())
                        .buildClient()) {
                    long start = System.nanoTime();
                    FunctionResponse r = client.invoke(FunctionRequest.post("/api/orders").body("{}").build());
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertTrue(ms < 20_000, "took " + ms + " ms");
                    assertEquals("ne", r.region().name());
                    assertEquals(AttemptOutcome.CONNECT_FAILED, r.attempts().get(0).outcome());
                }
            } finally {
                for (Socket s : fillers) {
                    s.close();
                }
            }
        }
    }
}
