package io.branchline.core;

import io.branchline.core.models.AttemptOutcome;
import io.branchline.core.models.TimeoutOptions;
import io.branchline.core.models.TlsOptions;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static io.branchline.core.Fixtures.builder;
import static io.branchline.core.Fixtures.ok;
import static io.branchline.core.Fixtures.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, point 4: a server that accepts TCP and never answers the TLS handshake costs the connect timeout, not
 * Reactor Netty's 10 s, and the attempt is CONNECT_FAILED (it never reached the app), so even a POST moves.
 */
class TlsHandshakeTimeoutTest {
    @StartStop
    final MockWebServer ne = new MockWebServer();

    @TempDir
    Path dir;

    @Test
    void aSilentTlsHandshakeIsBoundedByTheConnectTimeoutAndMovesAPost() throws Exception {
        ne.useHttps(TlsTest.SERVER_CERTS.sslSocketFactory());
        ne.enqueue(ok("{}"));
        ne.enqueue(ok("{}"));
        Path pem = Files.writeString(dir.resolve("ca.pem"), TlsTest.CA.certificatePem());
        // The deadline (8 s) is shorter than Reactor Netty's default handshake timeout (10 s): without the connect
        // timeout on the handshake the attempt would end as this client's TIMEOUT and the POST would not move.
        TimeoutOptions timeouts = TimeoutOptions.builder().connect(Duration.ofSeconds(3)).response(Duration.ofSeconds(30))
            .call(Duration.ofSeconds(8)).build();
        // one call to the good region first, with time to spare, so that the measured handshakes are not slowed by a
        // cold JVM
        try (FunctionClient warm = builder().region(Region.of("ne", "https://localhost:" + ne.getPort()))
                .timeouts(TimeoutOptions.builder().connect(Duration.ofSeconds(30)).build())
                .tls(TlsOptions.builder().trustPem(pem).build()).buildClient()) {
            warm.invoke(FunctionRequest.get("/api/warm").build());
            take(ne);
        }
        try (RawServer silent = new RawServer(RawServer.Fault.SILENT);
             FunctionClient client = builder().region(Region.of("we", "https://localhost:" + silent.port()))
                 .region(Region.of("ne", "https://localhost:" + ne.getPort())).timeouts(timeouts)
                 .tls(TlsOptions.builder().trustPem(pem).build()).buildClient()) {
            FunctionResponse r = client.invoke(FunctionRequest.post("/api/orders").body("{}").build());
            assertEquals("ne", r.region().name());
            assertEquals(AttemptOutcome.CONNECT_FAILED, r.attempts().get(0).outcome());
            assertTrue(r.attempts().get(0).error().contains("TLS handshake not finished in time"),
                r.attempts().get(0).error());
            assertEquals("POST", take(ne).getMethod());
        }
    }
}
