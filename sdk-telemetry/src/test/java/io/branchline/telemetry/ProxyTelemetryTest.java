package io.branchline.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.ProxyOptions;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.testkit.IngestionEndpoint;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Telemetry goes through the branch's proxy: a real forward proxy (tinyproxy) on loopback that requires Basic
 * authentication. Wrong credentials make delivery fail, which shows the bytes really cross the proxy; non-proxy
 * hosts bypass it.
 */
class ProxyTelemetryTest {
    @TempDir
    Path dir;

    private IngestionEndpoint endpoint;
    private ForwardProxy proxy;

    @BeforeEach
    void start() throws IOException, InterruptedException {
        endpoint = IngestionEndpoint.start();
        proxy = ForwardProxy.start(dir, "branch42", "proxy-pw-SECRET");
    }

    @AfterEach
    void stop() {
        proxy.close();
        endpoint.close();
    }

    private Properties properties(String password) {
        Properties p = new Properties();
        p.setProperty("branchline.telemetry.connection-string", endpoint.connectionString());
        p.setProperty("branchline.telemetry.spool-directory", dir.resolve("spool-" + password).toString());
        p.setProperty("branchline.telemetry.flush-interval", "50ms");
        p.setProperty("branchline.telemetry.metrics-interval", "0");
        p.setProperty("branchline.proxy", "http://127.0.0.1:" + proxy.port);
        p.setProperty("branchline.proxy.user", proxy.user);
        p.setProperty("branchline.proxy.password", password);
        return p;
    }

    private static FlushResult sendOne(AzureMonitorExporter exporter) {
        try (Calls calls = new Calls(exporter)) {
            calls.invoke(1);
        }
        return exporter.flush(TestSupport.WAIT);
    }

    @Test
    void fromPropertiesSendsThroughTheAuthenticatingProxy() {
        try (AzureMonitorExporter exporter = AzureMonitorExporter.fromProperties(properties(proxy.password))
            .requestTimeout(Duration.ofSeconds(10)).build()) {
            assertEquals(new FlushResult(1, 0, 0, true), sendOne(exporter));
        }
        endpoint.assertNoViolations();
        assertTrue(proxy.connectRequests().stream().anyMatch(r -> r.startsWith("CONNECT 127.0.0.1:" + endpoint.port())),
            proxy.log().toString());
    }

    @Test
    void wrongProxyPasswordKeepsTelemetryInTheSpool() {
        try (AzureMonitorExporter exporter = AzureMonitorExporter.fromProperties(properties("wrong"))
            .requestTimeout(Duration.ofSeconds(10)).build()) {
            assertEquals(new FlushResult(0, 1, 0, true), sendOne(exporter));
        }
        assertEquals(0, endpoint.acceptedCount(), "nothing reached ingestion around the proxy");
        assertTrue(proxy.log().stream().noneMatch(l -> l.contains("proxy-pw-SECRET")));
    }

    @Test
    void nonProxyHostsBypassTheProxy() {
        Properties p = properties("wrong");
        p.setProperty("branchline.proxy.non-proxy-hosts", "localhost|127.0.0.1");
        try (AzureMonitorExporter exporter = AzureMonitorExporter.fromProperties(p)
            .requestTimeout(Duration.ofSeconds(10)).build()) {
            assertEquals(new FlushResult(1, 0, 0, true), sendOne(exporter));
        }
        assertTrue(proxy.connectRequests().isEmpty(), proxy.connectRequests().toString());
    }

    /** Built in code next to a client: network(clientBuilder) shares the client's proxy settings. */
    @Test
    void networkOfTheClientBuilderSendsThroughItsProxy() {
        ProxyOptions options = new ProxyOptions(ProxyOptions.Type.HTTP, new InetSocketAddress("127.0.0.1", proxy.port));
        options.setCredentials(proxy.user, proxy.password);
        FunctionClientBuilder clientBuilder = new FunctionClientBuilder().proxy(options);
        try (AzureMonitorExporter exporter = TestSupport.exporter(endpoint, dir.resolve("spool-builder"))
            .network(clientBuilder).build()) {
            assertEquals(new FlushResult(1, 0, 0, true), sendOne(exporter));
        }
        assertFalse(proxy.connectRequests().isEmpty(), proxy.log().toString());

        options.setCredentials(proxy.user, "wrong");
        try (AzureMonitorExporter exporter = TestSupport.exporter(endpoint, dir.resolve("spool-builder-2"))
            .network(new FunctionClientBuilder().proxy(options)).build()) {
            assertEquals(new FlushResult(0, 1, 0, true), sendOne(exporter));
        }
    }

    /** The TLS settings are read too: a trust file that does not exist fails the build naming the setting. */
    @Test
    void tlsSettingsOfThePropertiesAreUsed() {
        Properties p = properties(proxy.password);
        p.setProperty("branchline.tls.trust-pem", dir.resolve("missing-ca.pem").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> AzureMonitorExporter.fromProperties(p).build().close());
        assertTrue(e.getMessage().contains("branchline.tls.trust-pem"), e.getMessage());
    }
}
