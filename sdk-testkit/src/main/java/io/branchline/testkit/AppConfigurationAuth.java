package io.branchline.testkit;

import io.netty.handler.codec.http.FullHttpRequest;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * App Configuration's HMAC-SHA256 access-key authentication, checked as Microsoft's "HMAC authentication" REST API
 * page describes it: {@code Authorization: HMAC-SHA256 Credential=<access key id>&SignedHeaders=<names>&Signature=
 * <signature>}, where the signed headers include {@code x-ms-date} (or {@code Date}), {@code host} and
 * {@code x-ms-content-sha256}; the date is within 15 minutes of the store's clock; {@code x-ms-content-sha256} is the
 * base64 SHA-256 of the body; and the signature is the base64 HMAC-SHA256, keyed with the base64-decoded secret, of
 * {@code VERB + "\n" + path_and_query + "\n" + the signed headers' values joined by ";"}, in the order named.
 */
final class AppConfigurationAuth {
    private static final Duration MAX_SKEW = Duration.ofMinutes(15);

    private final String id;
    private final byte[] secret;
    private final Clock clock;

    AppConfigurationAuth(String id, byte[] secret, Clock clock) {
        this.id = id;
        this.secret = secret.clone();
        this.clock = clock;
    }

    /**
     * Checks a request's authentication.
     *
     * @param request the request
     * @param headers its headers, looked up by name whatever their case
     * @return the problem, or {@code null} when the request is authenticated
     */
    String check(FullHttpRequest request, Map<String, String> headers) {
        String auth = headers.get("Authorization");
        if (auth == null || !auth.startsWith("HMAC-SHA256 ")) {
            return "The Authorization header with the HMAC-SHA256 scheme is required";
        }
        Map<String, String> params = new TreeMap<>();
        for (String part : auth.substring("HMAC-SHA256 ".length()).split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                params.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
            }
        }
        String credential = params.get("Credential");
        String signed = params.get("SignedHeaders");
        String signature = params.get("Signature");
        if (credential == null || signed == null || signature == null) {
            return "Credential, SignedHeaders and Signature are required";
        }
        if (!credential.equals(id)) {
            return "Invalid credential";
        }
        List<String> names = List.of(signed.toLowerCase(Locale.ROOT).split(";"));
        boolean dated = names.contains("x-ms-date") || names.contains("date");
        if (!dated || !names.contains("host") || !names.contains("x-ms-content-sha256")) {
            return "SignedHeaders must include x-ms-date (or date), host and x-ms-content-sha256";
        }
        // x-ms-date takes precedence over Date when both are sent
        String date = headers.containsKey("x-ms-date") ? headers.get("x-ms-date") : headers.get("Date");
        try {
            Instant at = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            if (Duration.between(at, clock.instant()).abs().compareTo(MAX_SKEW) > 0) {
                return "The request date is more than 15 minutes from the current time";
            }
        } catch (RuntimeException e) {
            return "The x-ms-date or Date header is missing or not an HTTP-date";
        }
        byte[] body = Http.body(request);
        String hash = Base64.getEncoder().encodeToString(AppConfigurationEndpoint.sha256().digest(body));
        if (!hash.equals(headers.get("x-ms-content-sha256"))) {
            return "x-ms-content-sha256 does not match the body";
        }
        StringBuilder values = new StringBuilder();
        for (String n : names) {
            String v = n.equals("host") ? headers.get("Host") : headers.get(n);
            if (v == null) {
                return "Signed header " + n + " is missing";
            }
            values.append(values.length() == 0 ? "" : ";").append(v);
        }
        String toSign = request.method().name() + "\n" + request.uri() + "\n" + values;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            String expected = Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
            if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                signature.getBytes(StandardCharsets.UTF_8))) {
                return "Invalid signature";
            }
        } catch (GeneralSecurityException e) {
            return "Signature cannot be checked: " + e.getClass().getSimpleName();
        }
        return null;
    }
}
