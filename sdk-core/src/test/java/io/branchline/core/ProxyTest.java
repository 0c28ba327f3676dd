package io.branchline.core;

import com.azure.core.http.ProxyOptions;
import io.branchline.core.models.AttemptOutcome;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static io.branchline.core.Fixtures.assertNoRequest;
import static io.branchline.core.Fixtures.builder;
import static io.branchline.core.Fixtures.callFails;
import static io.branchline.core.Fixtures.ok;
import static io.branchline.core.Fixtures.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MockWebServer as an HTTP proxy. Reactor Netty tunnels every request through CONNECT, plain-HTTP targets
 * included, so the proxy sees {@code CONNECT host:port} and then the request inside the tunnel. Credentials are
 * sent preemptively (Basic) with the first CONNECT.
 */
class ProxyTest {
    @StartStop
    final MockWebServer proxy = new MockWebServer();
    @StartStop
    final MockWebServer target = new MockWebServer();

    /** A name nobody can resolve: only the proxy ever sees it. */
    static final String REMOTE = "http://orders-we.internal.example:8080";

    ProxyOptions options() {
        return new ProxyOptions(ProxyOptions.Type.HTTP, InetSocketAddress.createUnresolved("localhost", proxy.getPort()));
    }

    static MockResponse tunnelOpen() {
        return new MockResponse.Builder().inTunnel().code(200).build();
    }

    /** Opens a tunnel for every CONNECT and answers every request inside one, whatever connection it comes on. */
    void tunnelling() {
        proxy.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return "CONNECT".equals(request.getMethod()) ? tunnelOpen() : ok("{\"via\":\"proxy\"}");
            }
        });
    }

    @Test
    void tunnelsThroughTheProxyWhichResolvesTheTarget() throws Exception {
        tunnelling();
        try (FunctionClient client = builder().region(Region.builder("we", REMOTE).functionKey("key-we").build())
                .proxy(options()).buildClient()) {
            assertEquals("{\"via\":\"proxy\"}", client.invoke(FunctionRequest.get("/api/x").build()).bodyAsString());
            RecordedRequest connect = take(proxy);
            assertEquals("CONNECT", connect.getMethod());
            assertEquals("CONNECT orders-we.internal.example:8080 HTTP/1.1", connect.getRequestLine());
            assertNull(connect.getHeaders().get("Proxy-Authorization"));
            assertNull(connect.getHeaders().get("x-functions-key"), "the key stays inside the tunnel");
            RecordedRequest get = take(proxy);
            assertEquals("/api/x", get.getUrl().encodedPath());
            assertEquals("orders-we.internal.example:8080", get.getHeaders().get("Host"));
            assertEquals("key-we", get.getHeaders().get("x-functions-key"));
        }
    }

    @Test
    void sendsProxyCredentialsWithTheFirstConnect() throws Exception {
        tunnelling();
        ProxyOptions p = options();
        p.setCredentials("alice", "proxy-pw");
        try (FunctionClient client = builder().region(Region.of("we", REMOTE)).proxy(p).buildClient()) {
            assertEquals(200, client.invoke(FunctionRequest.get("/api/x").build()).statusCode());
            String expected = "Basic " + Base64.getEncoder().encodeToString("alice:proxy-pw".getBytes(StandardCharsets.UTF_8));
            assertEquals(expected, take(proxy).getHeaders().get("Proxy-Authorization"));
            assertNull(take(proxy).getHeaders().get("Proxy-Authorization"), "not forwarded inside the tunnel");
        }
    }

    /**
     * MockWebServer does not complete a non-tunnel answer to CONNECT the way Netty's proxy handler waits for, so a
     * refusing proxy shows up as a proxy handshake that never finishes: it must end within the connect timeout (not
     * Reactor Netty's 10 s default), as CONNECT_FAILED, without the password in the error.
     */
    @Test
    void aRefusingProxyIsConnectFailedWithinTheConnectTimeoutAndHidesThePassword() throws Exception {
        proxy.enqueue(new MockResponse.Builder().code(407).setHeader("Proxy-Authenticate", "Basic realm=\"corp\"")
            .body("proxy authentication required").build());
        ProxyOptions p = options();
        p.setCredentials("alice", "wrong-proxy-pw");
        try (FunctionClient client = builder().region(Region.of("we", REMOTE)).proxy(p)
                .timeouts(io.branchline.core.models.TimeoutOptions.builder().connect(java.time.Duration.ofMillis(500)).build())
                .buildClient()) {
            long start = System.nanoTime();
            FunctionCallException e = callFails(() -> client.invoke(FunctionRequest.post("/api/x").body("{}").build()));
            long ms = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms < 5000, "took " + ms + " ms");
            assertEquals(AttemptOutcome.CONNECT_FAILED, e.attempts().get(0).outcome());
            assertTrue(e.getMessage().contains("the proxy did not open a tunnel"), e.getMessage());
            assertFalse(e.getMessage().contains("wrong-proxy-pw"));
        }
    }

    @Test
    void nonProxyHostsAreCalledDirectly() throws Exception {
        target.enqueue(ok("{\"direct\":true}"));
        ProxyOptions p = options();
        p.setNonProxyHosts("localhost|127.0.0.1|*.corp");
        try (FunctionClient client = builder().region(Region.of("local", "http://localhost:" + target.getPort()))
                .proxy(p).buildClient()) {
            assertEquals("{\"direct\":true}", client.invoke(FunctionRequest.get("/api/x").build()).bodyAsString());
            assertEquals("/api/x", take(target).getUrl().encodedPath());
            assertNoRequest(proxy);
        }
    }

    @Test
    void noProxyIsUsedUnlessAskedFor() throws Exception {
        target.enqueue(ok("{}"));
        System.setProperty("http.proxyHost", "localhost");
        System.setProperty("http.proxyPort", String.valueOf(proxy.getPort()));
        try (FunctionClient client = new FunctionClientBuilder().allowPlainHttp(true)
                .region(Region.of("local", "http://localhost:" + target.getPort())).buildClient()) {
            assertEquals(200, client.invoke(FunctionRequest.get("/api/x").build()).statusCode());
            take(target);
            assertNoRequest(proxy);
        } finally {
            System.clearProperty("http.proxyHost");
            System.clearProperty("http.proxyPort");
        }
    }

    @Test
    void proxyFromEnvironmentUsesTheStandardSettings() throws Exception {
        tunnelling();
        com.azure.core.util.Configuration config = new com.azure.core.util.ConfigurationBuilder()
            .putProperty("http.proxy.hostname", "localhost")
            .putProperty("http.proxy.port", String.valueOf(proxy.getPort())).build();
        try (FunctionClient client = new FunctionClientBuilder().allowPlainHttp(true).configuration(config)
                .proxyFromEnvironment(true).region(Region.of("we", REMOTE)).buildClient()) {
            assertEquals(200, client.invoke(FunctionRequest.get("/api/x").build()).statusCode());
            assertEquals("CONNECT", take(proxy).getMethod());
        }
    }
}
