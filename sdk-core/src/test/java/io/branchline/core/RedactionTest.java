package io.branchline.core;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.ProxyOptions;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import io.branchline.core.models.TlsOptions;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;

import static io.branchline.core.Fixtures.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No function key, code= value, token or password in logs, exception texts or toString(). */
class RedactionTest {
    static final String KEY_WE = "fk-we-SECRET-1111";
    static final String KEY_DEFAULT = "fk-default-SECRET-2222";
    static final String TOKEN = "eyJ-SECRET-TOKEN-3333";
    static final String PROXY_PW = "proxy-SECRET-4444";
    static final String STORE_PW = "store-SECRET-5555";
    static final String CODE = "code-SECRET-6666";
    static final List<String> SECRETS = List.of(KEY_WE, KEY_DEFAULT, TOKEN, PROXY_PW, STORE_PW, CODE);

    @StartStop
    final MockWebServer we = new MockWebServer();
    @StartStop
    final MockWebServer ne = new MockWebServer();

    @TempDir
    Path dir;

    private PrintStream originalErr;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @BeforeEach
    void captureLogs() {
        originalErr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(originalErr);
        originalErr.print(captured.toString(StandardCharsets.UTF_8));
    }

    static void assertClean(String where, String text) {
        for (String s : SECRETS) {
            assertFalse(text.contains(s), where + " contains the secret " + s + ":\n" + text);
        }
    }

    @Test
    void logsAndErrorsOfCallsWithKeysAndTokensHoldNoSecret() throws Exception {
        we.useHttps(TlsTest.SERVER_CERTS.sslSocketFactory());
        ne.useHttps(TlsTest.SERVER_CERTS.sslSocketFactory());
        Path pem = Files.writeString(dir.resolve("ca.pem"), TlsTest.CA.certificatePem());
        TokenCredential credential = r -> Mono.just(new AccessToken(TOKEN, OffsetDateTime.now().plusHours(1)));
        we.enqueue(new MockResponse.Builder().code(503).setHeader("Set-Cookie", "session=" + CODE)
            .body("{\"error\":\"down\"}").build());
        ne.enqueue(ok("{\"ok\":true}"));
        we.enqueue(new MockResponse.Builder().code(401).body("bad token").build());
        ProxyOptions proxy = new ProxyOptions(ProxyOptions.Type.HTTP, InetSocketAddress.createUnresolved("proxy.corp", 3128));
        proxy.setCredentials("alice", PROXY_PW);
        proxy.setNonProxyHosts("localhost");
        HttpLogOptions logOptions = new HttpLogOptions().setLogLevel(HttpLogDetailLevel.BODY_AND_HEADERS)
            .setAllowedHttpHeaderNames(Set.of(com.azure.core.http.HttpHeaderName.fromString("x-functions-key"),
                com.azure.core.http.HttpHeaderName.AUTHORIZATION, com.azure.core.http.HttpHeaderName.SET_COOKIE))
            .setAllowedQueryParamNames(Set.of("code", "page"));
        Region regionWe = Region.builder("we", "https://localhost:" + we.getPort()).functionKey(KEY_WE).build();
        Region regionNe = Region.of("ne", "https://localhost:" + ne.getPort());
        try (FunctionClient client = new FunctionClientBuilder().configuration(com.azure.core.util.Configuration.NONE)
                .region(regionWe).region(regionNe).functionKey(KEY_DEFAULT).credential(credential)
                .scope("api://orders/.default").httpLogOptions(logOptions).proxy(proxy)
                .tls(TlsOptions.builder().trustPem(pem).build()).buildClient()) {
            FunctionRequest request = FunctionRequest.get("/api/orders").query("code", CODE).query("page", "2").build();
            FunctionResponse r = client.invoke(request);
            assertEquals("ne", r.region().name());
            FunctionCallException e = assertThrows(FunctionCallException.class, () -> client.invoke(request));
            assertEquals(401, e.statusCode());
            assertClean("exception message", e.getMessage());
            assertClean("exception toString", e.toString());
            assertClean("response toString", r.toString());
            assertClean("request toString", request.toString());
            assertClean("client toString", client.toString());
            assertClean("region toString", regionWe.toString() + client.regions());
            assertClean("attempts", r.attempts().toString() + e.attempts());
            assertTrue(request.toString().contains("code=***"), request.toString());
            // the secrets did go where they belong
            assertEquals(KEY_WE, we.takeRequest().getHeaders().get("x-functions-key"));
            assertEquals("Bearer " + TOKEN, ne.takeRequest().getHeaders().get("Authorization"));
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        assertTrue(logs.contains("HTTP request") || logs.contains("\"method\":\"GET\""), "the HTTP logging policy logged:\n" + logs);
        assertTrue(logs.contains("x-functions-key"), "the header name is logged, its value redacted:\n" + logs);
        assertClean("log output", logs);
    }

    @Test
    void settingErrorsAndOptionsHoldNoSecret() throws Exception {
        Path store = TlsTest.pkcs12(dir.resolve("t.p12"), "right", ks -> ks.setCertificateEntry("ca", TlsTest.CA.certificate()));
        TlsOptions tls = TlsOptions.builder().trustStore(store, "PKCS12", STORE_PW.toCharArray())
            .clientCertificate(store, STORE_PW.toCharArray()).build();
        assertClean("TlsOptions", tls.toString());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new FunctionClientBuilder()
            .configuration(com.azure.core.util.Configuration.NONE).region("we", "https://a.example").tls(tls).buildClient());
        assertClean("TLS error", e.toString());
        java.util.Properties p = new java.util.Properties();
        p.setProperty("branchline.regions", "we=https://a.example?code=" + CODE);
        p.setProperty("branchline.region.we.key", KEY_WE);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> FunctionClientBuilder.fromProperties(p).buildClient());
        assertClean("regions error", bad.getMessage());
        assertClean("log output", captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void redactionMasksKnownSecretShapes() {
        assertEquals("https://a.example/api?code=***&page=2", Redaction.url("https://a.example/api?code=" + CODE + "&page=2"));
        assertEquals("http://***@proxy:3128", Redaction.url("http://alice:" + PROXY_PW + "@proxy:3128"));
        assertClean("bearer", Redaction.text("Authorization: Bearer " + TOKEN));
        assertClean("key", Redaction.text("x-functions-key: " + KEY_WE));
        assertClean("conn", Redaction.text("InstrumentationKey=" + KEY_WE + ";IngestionEndpoint=https://x"));
        assertTrue(Redaction.isSecretHeader("X-Functions-Key"));
        assertTrue(Redaction.isSecretHeader("authorization"));
    }
}
