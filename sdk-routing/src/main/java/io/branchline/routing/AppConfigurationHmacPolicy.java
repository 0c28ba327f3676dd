package io.branchline.routing;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import reactor.core.publisher.Mono;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs App Configuration requests with an access key, as the service's HMAC authentication page describes:
 * {@code x-ms-date}, {@code x-ms-content-sha256} (base64 SHA-256 of the body, here always empty) and
 * {@code Authorization: HMAC-SHA256 Credential=<id>&SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<s>},
 * where the signature is the base64 HMAC-SHA256, keyed with the base64-decoded secret, of
 * {@code VERB \n path_and_query \n date;host;hash}. The secret never leaves this object.
 */
final class AppConfigurationHmacPolicy implements HttpPipelinePolicy {
    private static final HttpHeaderName DATE = HttpHeaderName.fromString("x-ms-date");
    private static final HttpHeaderName CONTENT_HASH = HttpHeaderName.fromString("x-ms-content-sha256");
    private static final String EMPTY_HASH = hash(new byte[0]);

    private final String id;
    private final byte[] secret;

    AppConfigurationHmacPolicy(String id, String secretBase64) {
        this.id = id;
        try {
            this.secret = Base64.getDecoder().decode(secretBase64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the Secret of the App Configuration connection string is not base64"
                + " (the value is secret and not shown)");
        }
    }

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        HttpRequest request = context.getHttpRequest();
        URL url = request.getUrl();
        String host = url.getPort() == -1 ? url.getHost() : url.getHost() + ":" + url.getPort();
        String pathAndQuery = url.getPath() + (url.getQuery() == null ? "" : "?" + url.getQuery());
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        String toSign = request.getHttpMethod().name() + "\n" + pathAndQuery + "\n" + date + ";" + host + ";"
            + EMPTY_HASH;
        String signature;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            signature = Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            return Mono.error(new IllegalStateException("cannot sign the App Configuration request: "
                + e.getClass().getSimpleName()));
        }
        request.setHeader(DATE, date);
        request.setHeader(CONTENT_HASH, EMPTY_HASH);
        request.setHeader(HttpHeaderName.AUTHORIZATION, "HMAC-SHA256 Credential=" + id
            + "&SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" + signature);
        return next.process();
    }

    private static String hash(byte[] body) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "AppConfigurationHmacPolicy{credential=" + id + "}";
    }
}
