package io.branchline.core;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpHeader;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.ProxyOptions;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.util.Configuration;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.TlsOptions;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.branchline.core.Fixtures.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, point 5: no configured secret is reachable. Every log line ({@code io.branchline}, {@code com.azure},
 * {@code reactor.netty} and {@code io.netty} log at TRACE in the tests), every {@code toString()}, every exception
 * with its causes and the request it carries, and every listener event is searched for each secret.
 */
class SecretsTest {
    static final String REGION_KEY = "fk-region-SECRET-1a1a";
    static final String DEFAULT_KEY = "fk-default-SECRET-2b2b";
    static final String TOKEN = "eyJ-SECRET-TOKEN-3c3c";
    static final String CODE = "code-SECRET-4d4d";
    static final String PROXY_PW = "proxy-SECRET-5e5e";
    static final List<String> SECRETS = List.of(REGION_KEY, DEFAULT_KEY, TOKEN, CODE, PROXY_PW);

    @StartStop
    final MockWebServer we = new MockWebServer();
    @StartStop
    final MockWebServer ne = new MockWebServer();
    @StartStop
    final MockWebServer plain = new MockWebServer();

    @TempDir
    Path dir;

    private PrintStream originalErr;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    /** Every text searched, by where it came from. */
    private final Map<String, String> places = new LinkedHashMap<>();
    private final List<String> events = new CopyOnWriteArrayList<>();

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

    private void search(String where, Object what) {
        places.put(where + " #" + places.size(), String.valueOf(what));
    }

    private void searchException(String where, FunctionCallException e) {
        search(where + " message", e.getMessage());
        search(where + " toString", e);
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        search(where + " stack trace with causes", trace);
        search(where + " attempts", e.attempts());
        search(where + " body", new String(e.responseBody(), StandardCharsets.UTF_8));
        HttpResponse r = e.getResponse();
        if (r != null) {
            search(where + " response", r);
            search(where + " response headers", r.getHeaders());
            HttpRequest q = r.getRequest();
            search(where + " request URL", q.getUrl());
            search(where + " request headers", q.getHeaders());
            for (HttpHeader h : q.getHeaders()) {
                search(where + " request header " + h.getName(), h.getValue());
            }
        }
    }

    @Test
    void noSecretIsReachableFromLogsTextsExceptionsOrEvents() throws Exception {
        we.useHttps(TlsTest.SERVER_CERTS.sslSocketFactory());
        ne.useHttps(TlsTest.SERVER_CERTS.sslSocketFactory());
        Path pem = Files.writeString(dir.resolve("ca.pem"), TlsTest.CA.certificatePem());
        Path keyFile = Files.writeString(dir.resolve("we.key"), REGION_KEY);
        TokenCredential credential = r -> Mono.just(new AccessToken(TOKEN, OffsetDateTime.now().plusHours(1)));
        ProxyOptions proxy = new ProxyOptions(ProxyOptions.Type.HTTP, InetSocketAddress.createUnresolved("proxy.corp", 3128));
        proxy.setCredentials("alice", PROXY_PW);
        proxy.setNonProxyHosts("localhost");
        CallListener listener = new CallListener() {
            @Override
            public void attemptEnd(CallInfo call, Region region, Attempt attempt) {
                events.add(call + " " + region + " " + attempt);
            }

            @Override
            public void callFailed(CallInfo call, FunctionCallException error) {
                events.add(call + " " + error);
            }

            @Override
            public void callEnd(CallInfo call, FunctionResponse response) {
                events.add(call + " " + response);
            }
        };
        we.enqueue(new MockResponse.Builder().code(500).setHeader("Set-Cookie", "session=" + CODE)
            .body("{\"error\":\"boom\"}").build());
        ne.enqueue(new MockResponse.Builder().code(503).body("down").build());
        Region regionWe = Region.builder("we", "https://localhost:" + we.getPort()).functionKeyFromFile(keyFile).build();
        Region regionNe = Region.of("ne", "https://localhost:" + ne.getPort());
        HttpLogOptions logOptions = new HttpLogOptions().setLogLevel(HttpLogDetailLevel.BODY_AND_HEADERS)
            .setAllowedQueryParamNames(java.util.Set.of("code"));
        try (FunctionClient client = new FunctionClientBuilder().configuration(Configuration.NONE)
                .region(regionWe).region(regionNe).functionKey(DEFAULT_KEY).credential(credential)
                .scope("api://orders/.default").proxy(proxy).httpLogOptions(logOptions).addListener(listener)
                .tls(TlsOptions.builder().trustPem(pem).build()).buildClient()) {
            FunctionRequest request = FunctionRequest.get("/api/orders").query("page", "2").build();
            FunctionCallException e = assertThrows(FunctionCallException.class, () -> client.invoke(request));
            assertEquals(503, e.statusCode());
            searchException("failed call", e);
            search("request", request);
            search("client", client);
            search("regions", client.regions());
            search("region status", client.regionStatus());
            // the secrets did go where they belong
            RecordedRequest atWe = we.takeRequest();
            assertEquals(REGION_KEY, atWe.getHeaders().get("x-functions-key"));
            assertEquals("Bearer " + TOKEN, atWe.getHeaders().get("Authorization"));
            assertEquals(DEFAULT_KEY, ne.takeRequest().getHeaders().get("x-functions-key"));
            ne.enqueue(ok("{}"));
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/orders").preferRegions("ne").build());
            search("response", r);
            search("response headers", r.headers());
            search("response attempts", r.attempts());
        }
        // a key given as ?code= on a request: sent as the header, never in a URL a lower layer could log
        plain.enqueue(new MockResponse.Builder().code(404).body("no such order").build());
        try (FunctionClient client = Fixtures.builder().region(Region.of("plain", plain.url("/").toString()))
                .httpLogOptions(logOptions).buildClient()) {
            FunctionRequest withCode = FunctionRequest.get("/api/orders/{id}").pathParam("id", "7")
                .query("code", CODE).query("page", "1").build();
            FunctionCallException e = assertThrows(FunctionCallException.class, () -> client.invoke(withCode));
            assertEquals(404, e.statusCode());
            searchException("404 call", e);
            search("request with code", withCode);
            RecordedRequest got = plain.takeRequest();
            assertEquals(CODE, got.getHeaders().get("x-functions-key"));
            assertFalse(got.getTarget().contains("code="), got.getTarget());
            assertEquals("/api/orders/7?page=1", got.getTarget());
        }
        // a password in a region URL's user info is refused when the region is built, without repeating it
        IllegalArgumentException userInfo = assertThrows(IllegalArgumentException.class,
            () -> Region.of("we", "https://alice:" + PROXY_PW + "@orders-we.azurewebsites.net"));
        search("user info error", userInfo.getMessage());
        search("user info error toString", userInfo);
        search("listener events", events);
        search("log output", captured.toString(StandardCharsets.UTF_8));
        List<String> found = new ArrayList<>();
        for (Map.Entry<String, String> place : places.entrySet()) {
            for (String secret : SECRETS) {
                if (place.getValue().contains(secret)) {
                    found.add(place.getKey() + " holds " + secret + ": " + place.getValue());
                }
            }
        }
        originalErr.println("SecretsTest: " + SECRETS.size() + " secrets searched in " + places.size() + " places, "
            + found.size() + " found");
        assertEquals(List.of(), found);
        String logs = captured.toString(StandardCharsets.UTF_8);
        if ("trace".equals(System.getProperty("org.slf4j.simpleLogger.log.reactor.netty"))) {
            // the build runs this test in a JVM of its own with the lower layers at TRACE (see the POM)
            assertTrue(logs.contains("TRACE reactor.netty") && logs.contains("DEBUG io.netty"), "lower layers at TRACE");
            assertTrue(logs.contains("/api/orders/7"), "the transport logged the URL, without the key");
        }
    }
}
