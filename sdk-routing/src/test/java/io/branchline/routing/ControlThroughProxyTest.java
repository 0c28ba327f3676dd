package io.branchline.routing;

import io.branchline.core.CallListener;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.models.ControlChange;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client built from settings reads App Configuration through the branch's proxy, as its calls go: the store's
 * name is one nobody can resolve, so only the proxy (a MockWebServer opening a tunnel for every CONNECT, as
 * {@code ProxyTest} in core does) can reach it.
 */
class ControlThroughProxyTest {
    @StartStop
    final MockWebServer proxy = new MockWebServer();

    @Test
    void theControlStoreIsReadThroughTheClientsProxy() throws Exception {
        List<RecordedRequest> seen = new CopyOnWriteArrayList<>();
        proxy.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                seen.add(request);
                if ("CONNECT".equals(request.getMethod())) {
                    return new MockResponse.Builder().inTunnel().code(200).build();
                }
                return new MockResponse.Builder().code(200).setHeader("ETag", "\"page-1\"")
                    .setHeader("Content-Type", "application/vnd.microsoft.appconfig.kvset+json; charset=utf-8")
                    .body("{\"items\":[{\"key\":\"branchline/control/exclude\",\"label\":null,\"value\":\"we\"}]}")
                    .build();
            }
        });
        Properties p = new Properties();
        p.setProperty("branchline.regions", "we=http://orders-we.internal.example:8080,"
            + "ne=http://orders-ne.internal.example:8080");
        p.setProperty("branchline.allow-plain-http", "true");
        p.setProperty("branchline.routing.probe.enabled", "false");
        p.setProperty("branchline.proxy", "http://localhost:" + proxy.getPort());
        p.setProperty("branchline.control.appconfig.connection-string",
            "Endpoint=http://fleet.internal.example:9090;Id=branch-reader;Secret=c2VjcmV0LXNlY3JldA==");
        p.setProperty("branchline.control.branch", "branch-042");
        CountDownLatch applied = new CountDownLatch(1);
        try (FunctionClient client = FunctionClientBuilder.fromProperties(p).addListener(new CallListener() {
            @Override
            public void controlChanged(ControlChange change) {
                applied.countDown();
            }
        }).buildClient()) {
            assertTrue(applied.await(30, TimeUnit.SECONDS), "the control came through the proxy: " + seen);
            assertTrue(client.regionStatus().get(0).control().startsWith("excluded (drained) by App Configuration"
                + " http://fleet.internal.example:9090"), client.regionStatus().get(0).control());
        }
        RecordedRequest connect = seen.get(0);
        assertEquals("CONNECT fleet.internal.example:9090 HTTP/1.1", connect.getRequestLine());
        RecordedRequest list = seen.get(1);
        assertEquals("/kv", list.getUrl().encodedPath());
        assertEquals("2023-11-01", list.getUrl().queryParameter("api-version"), "the official client's api-version");
        assertEquals("branchline/control/*", list.getUrl().queryParameter("key"));
        assertEquals("key,label,value", list.getUrl().queryParameter("$Select"));
        assertEquals("\u0000,branch=branch-042", list.getUrl().queryParameter("label"));
        String auth = list.getHeaders().get("Authorization");
        assertTrue(auth.matches("HMAC-SHA256 Credential=branch-reader&SignedHeaders=[^&]+&Signature=[A-Za-z0-9+/=]+"),
            auth);
        List<String> signed = List.of(auth.replaceAll(".*SignedHeaders=([^&]+)&.*", "$1")
            .toLowerCase(java.util.Locale.ROOT).split(";"));
        assertTrue(signed.contains("host") && signed.contains("x-ms-content-sha256")
            && (signed.contains("x-ms-date") || signed.contains("date")), "signed as the HMAC scheme asks: " + signed);
    }
}
