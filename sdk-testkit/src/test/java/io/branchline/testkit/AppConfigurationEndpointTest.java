package io.branchline.testkit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local App Configuration store speaks the documented REST contract: requests signed as Microsoft's HMAC
 * authentication page describes (computed here from that description, not by the Azure client), {@code api-version}
 * required, label filters with {@code \0}, ETags and {@code 304}.
 */
class AppConfigurationEndpointTest {
    private final AppConfigurationEndpoint store = AppConfigurationEndpoint.start();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        store.close();
    }

    private HttpResponse<String> get(String pathAndQuery, String secretBase64, String date, String ifNoneMatch)
        throws Exception {
        String cs = store.connectionString();
        String id = cs.replaceAll(".*;Id=([^;]+);.*", "$1");
        String host = URI.create(store.endpoint()).getAuthority();
        String hash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(new byte[0]));
        String toSign = "GET\n" + pathAndQuery + "\n" + date + ";" + host + ";" + hash;
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secretBase64), "HmacSHA256"));
        String signature = Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(store.endpoint() + pathAndQuery))
            .header("x-ms-date", date).header("x-ms-content-sha256", hash)
            .header("Authorization", "HMAC-SHA256 Credential=" + id
                + "&SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" + signature);
        if (ifNoneMatch != null) {
            r.header("If-None-Match", ifNoneMatch);
        }
        return http.send(r.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private String secret() {
        return store.connectionString().replaceAll(".*;Secret=(.+)$", "$1");
    }

    private static String now() {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
    }

    @Test
    void aSignedListAnswersTheLabelledValuesWithAnETagAndThen304() throws Exception {
        store.set("app/exclude", "production", "we").set("app/exclude", null, "ne").set("other/x", "production", "1");
        String q = "/kv?key=app%2F*&label=%00,production&api-version=2023-11-01";
        HttpResponse<String> first = get(q, secret(), now(), null);
        assertEquals(200, first.statusCode(), first.body());
        assertTrue(first.headers().firstValue("Content-Type").orElse("").startsWith(
            "application/vnd.microsoft.appconfig.kvset+json"));
        assertTrue(first.body().contains("\"label\":\"production\",\"content_type\":null,\"value\":\"we\""));
        assertTrue(first.body().contains("\"label\":null,\"content_type\":null,\"value\":\"ne\""));
        assertTrue(!first.body().contains("other/x"));
        String etag = first.headers().firstValue("ETag").orElseThrow();

        assertEquals(304, get(q, secret(), now(), etag).statusCode());
        store.set("app/exclude", "production", "us");
        HttpResponse<String> changed = get(q, secret(), now(), etag);
        assertEquals(200, changed.statusCode());
        assertTrue(changed.body().contains("\"value\":\"us\""));
    }

    @Test
    void aLongListingComesInPagesLinkedByAfterEachWithItsOwnETag() throws Exception {
        store.pageSize(2).set("app/a", null, "1").set("app/b", null, "2").set("app/c", null, "3");
        String q = "/kv?key=app%2F*&$Select=key,value&api-version=2023-11-01";
        HttpResponse<String> first = get(q, secret(), now(), null);
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("{\"key\":\"app/a\",\"value\":\"1\"},{\"key\":\"app/b\",\"value\":\"2\"}",
            first.body().replaceAll("^\\{\"items\":\\[(.*)\\],\"@nextLink\".*$", "$1"), "only the selected fields");
        String link = first.headers().firstValue("Link").orElseThrow();
        assertTrue(link.matches("<(/kv\\?[^>]*After=[^>]+)>; rel=\"next\""), link);
        String next = link.substring(1, link.indexOf('>'));
        assertTrue(first.body().contains("\"@nextLink\":\"" + next + "\""), first.body());
        String firstTag = first.headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> second = get(next, secret(), now(), null);
        assertEquals(200, second.statusCode(), second.body());
        assertEquals("{\"items\":[{\"key\":\"app/c\",\"value\":\"3\"}]}", second.body());
        assertTrue(second.headers().firstValue("Link").isEmpty(), "the last page links nowhere");
        String secondTag = second.headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> unchanged = get(q, secret(), now(), firstTag);
        assertEquals(304, unchanged.statusCode());
        assertEquals(link, unchanged.headers().firstValue("Link").orElse(""), "a 304 still names the next page");
        store.set("app/c", null, "4");
        assertEquals(304, get(q, secret(), now(), firstTag).statusCode(), "the first page did not change");
        assertEquals(200, get(next, secret(), now(), secondTag).statusCode(), "the second did");
    }

    @Test
    void anUnknownApiVersionOrFieldIsRefused() throws Exception {
        assertEquals(400, get("/kv?key=*&api-version=2019-01-01", secret(), now(), null).statusCode());
        assertEquals(400, get("/kv?key=*&$Select=key,colour&api-version=2023-11-01", secret(), now(), null)
            .statusCode());
        assertEquals(200, get("/kv?key=*&api-version=1.0", secret(), now(), null).statusCode());
    }

    @Test
    void aBadSignatureAStaleDateOrNoApiVersionIsRefused() throws Exception {
        String q = "/kv?key=*&api-version=2023-11-01";
        HttpResponse<String> wrongKey = get(q, Base64.getEncoder().encodeToString(new byte[32]), now(), null);
        assertEquals(401, wrongKey.statusCode());
        assertTrue(wrongKey.headers().firstValue("WWW-Authenticate").orElse("").startsWith("HMAC-SHA256"));
        String stale = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).minusMinutes(20));
        assertEquals(401, get(q, secret(), stale, null).statusCode());
        assertEquals(400, get("/kv?key=*", secret(), now(), null).statusCode());
        assertEquals(200, get(q, secret(), now(), null).statusCode());
        assertEquals(3, store.rejectedCount());
    }
}
