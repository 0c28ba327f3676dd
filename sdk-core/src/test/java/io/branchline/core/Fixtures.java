package io.branchline.core;

import com.azure.core.util.Configuration;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** Shared helpers for the sdk-core tests: regions on MockWebServers, closed ports, failures. */
final class Fixtures {
    private Fixtures() {
    }

    /** A builder for local tests: plain HTTP allowed, no configuration read from the environment. */
    static FunctionClientBuilder builder() {
        return new FunctionClientBuilder().allowPlainHttp(true).configuration(Configuration.NONE);
    }

    /** Region {@code name} on a server, with its own function key {@code key-<name>}. */
    static Region region(String name, MockWebServer server) {
        return Region.builder(name, server.url("/").toString()).functionKey("key-" + name).build();
    }

    /** Region {@code name} on a loopback port nobody listens on (connections are refused). */
    static Region refusedRegion(String name) {
        return Region.of(name, "http://127.0.0.1:" + closedPort());
    }

    static int closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static MockResponse ok(String body) {
        return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json").body(body).build();
    }

    static MockResponse status(int code) {
        return new MockResponse.Builder().code(code).body("status " + code).build();
    }

    /** The next request the server received, failing the test after 5 s. */
    static RecordedRequest take(MockWebServer server) throws InterruptedException {
        RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("The server received no request within 5 s");
        }
        return r;
    }

    /** Asserts the server receives no (further) request within a short wait. */
    static void assertNoRequest(MockWebServer server) throws InterruptedException {
        RecordedRequest r = server.takeRequest(200, TimeUnit.MILLISECONDS);
        if (r != null) {
            throw new AssertionError("Expected no request but the server received " + r.getRequestLine());
        }
    }

    static FunctionCallException callFails(Executable call) {
        return assertThrows(FunctionCallException.class, call);
    }
}
