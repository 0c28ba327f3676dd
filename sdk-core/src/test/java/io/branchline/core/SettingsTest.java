package io.branchline.core;

import com.azure.core.http.HttpMethod;
import io.branchline.core.models.TlsOptions;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import static io.branchline.core.Fixtures.ok;
import static io.branchline.core.Fixtures.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configuration from branchline.* properties and BRANCHLINE_* environment variables. */
class SettingsTest {
    @StartStop
    final MockWebServer we = new MockWebServer();
    @StartStop
    final MockWebServer ne = new MockWebServer();

    @TempDir
    static Path dir;

    static Properties props(String... kv) {
        Properties p = new Properties();
        p.setProperty("branchline.regions", "we=https://orders-we.azurewebsites.net");
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    static RuntimeException buildFails(Properties p) {
        return assertThrows(RuntimeException.class, () -> FunctionClientBuilder.fromProperties(p).buildClient().close());
    }

    @Test
    void aFullValidConfigurationBuildsAndIsUsed() throws Exception {
        Path neKey = Files.writeString(dir.resolve("ne.key"), "key-from-file\n");
        Path pem = Files.writeString(dir.resolve("ca.pem"), TlsTest.CA.certificatePem());
        Properties p = props(
            "branchline.regions", "we=" + we.url("/") + ", ne=" + ne.url("/"),
            "branchline.region.we.key", "key-we",
            "branchline.region.we.priority", "10",
            "branchline.region.we.weight", "300",
            "branchline.region.ne.key-file", neKey.toString(),
            "branchline.region.ne.priority", "20",
            "branchline.function-key", "default-key",
            "branchline.timeout.connect", "2s",
            "branchline.timeout.response", "5000ms",
            "branchline.timeout.read", "PT5S",
            "branchline.timeout.call", "1m",
            "branchline.failover.max-attempts", "2",
            "branchline.failover.retry-budget-ratio", "0.5",
            "branchline.failover.retry-budget-floor", "5",
            "branchline.failover.hedge-reads", "false",
            "branchline.failover.wait-when-throttled", "no",
            "branchline.proxy", "http://proxy.corp:3128",
            "branchline.proxy.user", "alice",
            "branchline.proxy.password", "proxy-pw",
            "branchline.proxy.non-proxy-hosts", "localhost|127.0.0.1",
            "branchline.tls.trust-pem", pem.toString(),
            "branchline.tls.include-system-trust", "true",
            "branchline.allow-plain-http", "true",
            "branchline.dns-refresh", "2m",
            "branchline.max-response-size", "512KiB");
        we.enqueue(Fixtures.status(503));
        ne.enqueue(ok("{}"));
        FunctionClientBuilder b = FunctionClientBuilder.fromProperties(p);
        try (FunctionClient client = b.buildClient()) {
            List<Region> regions = client.regions();
            assertEquals(List.of("we", "ne"), regions.stream().map(Region::name).toList());
            assertEquals(10, regions.get(0).priority());
            assertEquals(300, regions.get(0).weight());
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/x").build());
            assertEquals("ne", r.region().name());
            assertEquals("key-we", take(we).getHeaders().get("x-functions-key"));
            assertEquals("key-from-file", take(ne).getHeaders().get("x-functions-key"));
        }
        assertEquals(Duration.ofSeconds(2), b.timeouts.connect());
        assertEquals(Duration.ofSeconds(5), b.timeouts.response());
        assertEquals(Duration.ofSeconds(5), b.timeouts.read());
        assertEquals(Duration.ofMinutes(1), b.timeouts.call());
        assertEquals(2, b.failover.maxAttempts());
        assertEquals(0.5, b.failover.retryBudgetRatio());
        assertEquals(5, b.failover.retryBudgetFloor());
        assertFalse(b.failover.hedgeReads());
        assertFalse(b.failover.waitWhenThrottled());
        assertEquals("proxy.corp", b.proxy.getAddress().getHostString());
        assertEquals("alice", b.proxy.getUsername());
        assertEquals(pem, b.tls.trustPem());
        assertEquals(Duration.ofMinutes(2), b.dnsRefresh);
        assertEquals(512 * 1024L, b.maxResponseBytes);
        assertEquals("default-key", b.functionKey);
    }

    @Test
    void builderSettingsWinOverProperties() throws Exception {
        ne.enqueue(ok("{}"));
        try (FunctionClient client = FunctionClientBuilder.fromProperties(props("branchline.allow-plain-http", "true",
                "branchline.timeout.call", "5s")).region(Fixtures.region("ne", ne)).buildClient()) {
            assertEquals(List.of("ne"), client.regions().stream().map(Region::name).toList());
            assertEquals(200, client.invoke(FunctionRequest.builder(HttpMethod.GET, "/api/x").build()).statusCode());
        }
    }

    @Test
    void environmentVariablesConfigureTheClient() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("BRANCHLINE_REGIONS", "we=" + we.url("/"));
        env.put("BRANCHLINE_REGION_WE_KEY_ENV", "ORDERS_WE_KEY");
        env.put("ORDERS_WE_KEY", "key-from-env");
        env.put("BRANCHLINE_ALLOW_PLAIN_HTTP", "true");
        env.put("BRANCHLINE_TIMEOUT_RESPONSE", "3s");
        we.enqueue(ok("{}"));
        FunctionClientBuilder b = FunctionClientBuilder.fromEnvironment(env);
        try (FunctionClient client = b.buildClient()) {
            client.invoke(FunctionRequest.get("/api/x").build());
            assertEquals("key-from-env", take(we).getHeaders().get("x-functions-key"));
        }
        assertEquals(Duration.ofSeconds(3), b.timeouts.response());
    }

    @Test
    void malformedEnvironmentVariablesNameTheVariable() {
        Map<String, String> env = Map.of("BRANCHLINE_REGIONS", "we=https://a.example", "BRANCHLINE_TIMEOUT_CONNECT", "3");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> FunctionClientBuilder.fromEnvironment(env).buildClient());
        assertTrue(e.getMessage().contains("branchline.timeout.connect (BRANCHLINE_TIMEOUT_CONNECT)"), e.getMessage());
        assertTrue(e.getMessage().contains("500ms, 10s"), e.getMessage());
        assertTrue(e.getMessage().contains("environment"), e.getMessage());
    }

    static Stream<Arguments> malformed() {
        String missing = dir == null ? "/nonexistent/file" : dir.resolve("missing").toString();
        return Stream.of(
            Arguments.of("branchline.regions", "westeurope", "name=baseUrl pairs"),
            Arguments.of("branchline.regions", "we=ftp://orders.example", "absolute http(s) URL"),
            Arguments.of("branchline.regions", "we=https://a.example,we=https://b.example", "'we' appears twice"),
            Arguments.of("branchline.regions", "west europe=https://a.example", "letters, digits"),
            Arguments.of("branchline.region.we.priority", "-1", "a whole number from 0"),
            Arguments.of("branchline.region.we.weight", "0", "a whole number from 1 to 10000"),
            Arguments.of("branchline.region.we.key-file", missing, "Cannot read the function key file"),
            Arguments.of("branchline.region.we.key-env", "BRANCHLINE_TEST_UNSET_VARIABLE", "export it"),
            Arguments.of("branchline.function-key-file", missing, "check the path"),
            Arguments.of("branchline.credential", "magic", "one of none, managed-identity"),
            Arguments.of("branchline.timeout.connect", "10", "a duration from 1ms to"),
            Arguments.of("branchline.timeout.response", "-5s", "a duration from 1ms to"),
            Arguments.of("branchline.timeout.read", "soon", "a duration from 1ms to"),
            Arguments.of("branchline.timeout.call", "0s", "a duration from 1ms to"),
            Arguments.of("branchline.failover.max-attempts", "11", "a whole number from 1 to 10"),
            Arguments.of("branchline.failover.retry-budget-ratio", "2", "a number from 0 to 1"),
            Arguments.of("branchline.failover.retry-budget-floor", "many", "a whole number from 0"),
            Arguments.of("branchline.failover.hedge-reads", "maybe", "true or false"),
            Arguments.of("branchline.failover.wait-when-throttled", "2", "true or false"),
            Arguments.of("branchline.proxy", "proxy.corp", "host and port"),
            Arguments.of("branchline.proxy.from-environment", "sometimes", "true or false"),
            Arguments.of("branchline.tls.trust-pem", missing, "does not exist or is not readable"),
            Arguments.of("branchline.tls.trust-store", missing, "does not exist or is not readable"),
            Arguments.of("branchline.tls.client-cert", missing, "does not exist or is not readable"),
            Arguments.of("branchline.tls.include-system-trust", "x", "true or false"),
            Arguments.of("branchline.allow-plain-http", "yes please", "true or false"),
            Arguments.of("branchline.dns-refresh", "500ms", "from 1s to 1h"),
            Arguments.of("branchline.max-response-size", "lots", "a size from 1 to 2GiB"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("malformed")
    void aMalformedSettingIsNamedWithTheFix(String property, String value, String fix) {
        Properties p = props(property, value);
        RuntimeException e = buildFails(p);
        String m = e.getMessage();
        assertTrue(m.contains(property) || (property.equals("branchline.regions") && m.contains("branchline.regions")),
            "names the setting: " + m);
        assertTrue(m.contains(fix), "states the fix '" + fix + "': " + m);
    }

    @Test
    void secretsNeverAppearInSettingErrors() {
        RuntimeException inUrl = buildFails(props("branchline.proxy", "http://alice:s3cr3t-pw@proxy.corp:3128"));
        assertTrue(inUrl.getMessage().contains("branchline.proxy.password"), inUrl.getMessage());
        assertFalse(inUrl.getMessage().contains("s3cr3t-pw"), inUrl.getMessage());

        RuntimeException noPassword = buildFails(props("branchline.proxy", "http://proxy.corp:3128",
            "branchline.proxy.user", "alice"));
        assertTrue(noPassword.getMessage().contains("branchline.proxy.password"), noPassword.getMessage());

        RuntimeException clientSecret = buildFails(props("branchline.credential", "client-secret",
            "branchline.credential.client-id", "app-id", "branchline.credential.client-secret", "very-secret-value",
            "branchline.scope", "api://x/.default"));
        assertTrue(clientSecret.getMessage().contains("branchline.credential.tenant-id"), clientSecret.getMessage());
        assertTrue(clientSecret.getMessage().contains("BRANCHLINE_CREDENTIAL_TENANT_ID"), clientSecret.getMessage());
        assertFalse(clientSecret.getMessage().contains("very-secret-value"));
    }

    @Test
    void credentialKindsConstructWithoutNetwork() throws Exception {
        for (String kind : List.of("managed-identity", "azure-cli", "default")) {
            FunctionClientBuilder b = FunctionClientBuilder.fromProperties(props("branchline.credential", kind,
                "branchline.credential.client-id", "00000000-0000-0000-0000-000000000001",
                "branchline.scope", "api://orders/.default"));
            b.buildClient().close();
            assertNotNull(b.credential, kind);
        }
        FunctionClientBuilder secret = FunctionClientBuilder.fromProperties(props("branchline.credential", "client-secret",
            "branchline.credential.client-id", "app", "branchline.credential.tenant-id",
            "00000000-0000-0000-0000-000000000002", "branchline.credential.client-secret", "s",
            "branchline.scope", "api://orders/.default"));
        secret.buildClient().close();
        assertEquals("com.azure.identity.ClientSecretCredential", secret.credential.getClass().getName());
    }

    @Test
    void credentialCompanionSettingsAreRequired() {
        RuntimeException cert = buildFails(props("branchline.credential", "client-certificate",
            "branchline.credential.client-id", "app", "branchline.credential.tenant-id", "t"));
        assertTrue(cert.getMessage().contains("branchline.credential.certificate-path"), cert.getMessage());
        RuntimeException noScope = buildFails(props("branchline.credential", "managed-identity"));
        assertTrue(noScope.getMessage().contains("branchline.scope"), noScope.getMessage());
        RuntimeException scopeOnly = buildFails(props("branchline.scope", "api://orders/.default"));
        assertTrue(scopeOnly.getMessage().contains("branchline.credential"), scopeOnly.getMessage());
    }

    @Test
    void everySettingHasAnEnvironmentName() {
        for (io.branchline.core.spi.Setting<?> d : Settings.DEFS) {
            assertTrue(d.environmentName().matches("BRANCHLINE_[A-Z0-9_<>]+"), d.environmentName());
        }
        assertEquals("BRANCHLINE_FAILOVER_MAX_ATTEMPTS", Settings.envName("branchline.failover.max-attempts"));
    }

    @Test
    void tlsOptionsFromPropertiesKeepPasswordsOutOfToString() throws Exception {
        Path store = TlsTest.pkcs12(dir.resolve("trust.p12"), "store-pw",
            ks -> ks.setCertificateEntry("ca", TlsTest.CA.certificate()));
        FunctionClientBuilder b = FunctionClientBuilder.fromProperties(props("branchline.tls.trust-store", store.toString(),
            "branchline.tls.trust-store-password", "store-pw", "branchline.tls.trust-store-type", "PKCS12"));
        b.buildClient().close();
        TlsOptions tls = b.tls;
        assertEquals(store, tls.trustStore());
        assertFalse(tls.toString().contains("store-pw"), tls.toString());
    }
}
