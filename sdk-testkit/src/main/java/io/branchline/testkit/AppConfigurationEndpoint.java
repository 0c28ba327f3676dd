package io.branchline.testkit;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A local Azure App Configuration store on 127.0.0.1, for tests and demos that script run-time control: the subset
 * of the data-plane REST API (version 1.0 and later) that reading key-values needs, as Microsoft documents it.
 * <ul>
 * <li>{@code GET /kv?key=&label=&api-version=}: list key-values; {@code key} filters by exact keys or a prefix ending
 * in {@code *} (several separated by commas); {@code label} by labels separated by commas, {@code \0} for none,
 * {@code *} or absent for any; {@code ,} {@code *} and {@code \} in a filter are escaped with {@code \}. The page
 * carries an {@code ETag}; a request whose {@code If-None-Match} holds it is answered {@code 304} with no body.</li>
 * <li>{@code GET /kv/{key}?label=&api-version=}: one key-value (no label when {@code label} is absent),
 * {@code 404} when missing, {@code 304} on a matching {@code If-None-Match}.</li>
 * <li>Every request must carry {@code api-version} ({@code 400} otherwise) and HMAC-SHA256 authentication
 * ({@code 401} with {@code WWW-Authenticate} otherwise): {@code x-ms-date} (or {@code Date}) within 15 minutes of
 * the store's clock, {@code x-ms-content-sha256} equal to the base64 SHA-256 of the body, and
 * {@code Authorization: HMAC-SHA256 Credential=<id>&SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<s>},
 * the signature being the base64 HMAC-SHA256, keyed with the base64-decoded secret, of
 * {@code VERB\npath_and_query\nvalues of the signed headers separated by ;}.</li>
 * </ul>
 * Values are set with {@link #set} and {@link #delete}; {@link #down()} makes it unreachable (connections refused)
 * until {@link #up()}.
 */
public final class AppConfigurationEndpoint implements AutoCloseable {
    private static final String KVSET = "application/vnd.microsoft.appconfig.kvset+json; charset=utf-8";
    private static final String KV = "application/vnd.microsoft.appconfig.kv+json; charset=utf-8";
    private static final String PROBLEM = "application/problem+json; charset=utf-8";
    private static final Duration MAX_SKEW = Duration.ofMinutes(15);
    private static final String NO_LABEL = "\0";

    private final EventLoopGroup group;
    private final LoopbackServer server;
    private final String id;
    private final byte[] secret;
    private final Clock clock;
    /** Guarded by {@code this}: key, then label ({@link #NO_LABEL} for none), to the stored key-value. */
    private final Map<String, Map<String, Stored>> store = new TreeMap<>();
    private final AtomicLong revision = new AtomicLong();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger notModified = new AtomicInteger();
    private final AtomicInteger rejected = new AtomicInteger();

    private record Stored(String value, String etag, Instant lastModified) {
    }

    private AppConfigurationEndpoint(Clock clock) {
        this.clock = clock;
        SecureRandom random = new SecureRandom();
        this.secret = new byte[32];
        random.nextBytes(secret);
        this.id = "local-" + Integer.toHexString(random.nextInt() & 0xffff);
        this.group = new NioEventLoopGroup(1, Http.daemonThreads("branchline-appconfig"));
        this.server = new LoopbackServer(group, p -> p.addLast(new HttpServerCodec())
            .addLast(new HttpObjectAggregator(64 * 1024)).addLast(new Handler()));
        server.start();
    }

    /** @return a started store on an ephemeral port of 127.0.0.1 */
    public static AppConfigurationEndpoint start() {
        return new AppConfigurationEndpoint(Clock.systemUTC());
    }

    /** @return the store's endpoint, such as {@code http://127.0.0.1:41234} */
    public String endpoint() {
        return "http://" + LoopbackServer.LOOPBACK + ":" + server.port();
    }

    /** @return a connection string with this store's access key: {@code Endpoint=...;Id=...;Secret=...} */
    public String connectionString() {
        return "Endpoint=" + endpoint() + ";Id=" + id + ";Secret=" + Base64.getEncoder().encodeToString(secret);
    }

    /**
     * Sets a key-value, as the portal or {@code az appconfig kv set} would.
     *
     * @param key the key, such as {@code branchline/control/exclude}
     * @param label the label, such as {@code production} or {@code branch=branch-042}; {@code null} for none
     * @param value the value
     * @return this store
     */
    public synchronized AppConfigurationEndpoint set(String key, String label, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        String etag = Long.toHexString(revision.incrementAndGet()) + Long.toHexString(System.nanoTime());
        store.computeIfAbsent(key, k -> new TreeMap<>()).put(label == null ? NO_LABEL : label,
            new Stored(value, etag, clock.instant()));
        return this;
    }

    /**
     * Deletes a key-value.
     *
     * @param key the key
     * @param label the label, or {@code null} for none
     * @return this store
     */
    public synchronized AppConfigurationEndpoint delete(String key, String label) {
        Map<String, Stored> labels = store.get(key);
        if (labels != null && labels.remove(label == null ? NO_LABEL : label) != null) {
            revision.incrementAndGet();
            if (labels.isEmpty()) {
                store.remove(key);
            }
        }
        return this;
    }

    /** Makes the store unreachable: connections are refused until {@link #up()}. */
    public void down() {
        server.down();
    }

    /** Makes the store reachable again on the same port. */
    public void up() {
        server.up();
    }

    /** @return requests received (authenticated or not) */
    public int requestCount() {
        return requests.get();
    }

    /** @return requests answered {@code 304 Not Modified} */
    public int notModifiedCount() {
        return notModified.get();
    }

    /** @return requests refused with {@code 400} or {@code 401} */
    public int rejectedCount() {
        return rejected.get();
    }

    @Override
    public void close() {
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private FullHttpResponse handle(FullHttpRequest request) {
        requests.incrementAndGet();
        Map<String, String> headers = Http.headers(request);
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String problem = authenticate(request, headers);
        if (problem != null) {
            rejected.incrementAndGet();
            FullHttpResponse r = Http.response(401, PROBLEM, problemJson("https://azconfig.io/errors/unauthorized",
                "Unauthorized", problem, 401));
            r.headers().set("WWW-Authenticate", "HMAC-SHA256 error=\"invalid_token\", error_description=\""
                + problem.replace('"', '\'') + "\"");
            return r;
        }
        List<String> version = uri.parameters().get("api-version");
        if (version == null || version.isEmpty() || version.get(0).isBlank()) {
            rejected.incrementAndGet();
            return Http.response(400, PROBLEM, problemJson("https://azconfig.io/errors/invalid-argument",
                "The api-version query parameter is required", "api-version is required", 400));
        }
        if (!request.method().name().equals("GET")) {
            return Http.response(405, PROBLEM, problemJson("https://azconfig.io/errors/method-not-allowed",
                "Method not allowed", "this local store serves reads only; set values with set(...)", 405));
        }
        String path = uri.path();
        String ifNoneMatch = headers.get("If-None-Match");
        if (path.equals("/kv")) {
            return list(uri, ifNoneMatch);
        }
        if (path.startsWith("/kv/")) {
            return one(QueryStringDecoder.decodeComponent(path.substring(4)), uri, ifNoneMatch);
        }
        return Http.response(404, PROBLEM, problemJson("https://azconfig.io/errors/not-found", "Not found", path, 404));
    }

    private synchronized FullHttpResponse list(QueryStringDecoder uri, String ifNoneMatch) {
        List<String> keys = filter(uri.parameters().get("key"));
        List<String> labels = filter(uri.parameters().get("label"));
        StringBuilder items = new StringBuilder();
        MessageDigest digest = sha256();
        for (Map.Entry<String, Map<String, Stored>> k : store.entrySet()) {
            if (!matches(keys, k.getKey())) {
                continue;
            }
            for (Map.Entry<String, Stored> l : k.getValue().entrySet()) {
                if (!matches(labels, l.getKey())) {
                    continue;
                }
                items.append(items.length() == 0 ? "" : ",").append(item(k.getKey(), l.getKey(), l.getValue()));
                digest.update(l.getValue().etag().getBytes(StandardCharsets.UTF_8));
            }
        }
        String etag = '"' + Base64.getUrlEncoder().withoutPadding().encodeToString(digest.digest()) + '"';
        return conditional(etag, ifNoneMatch, KVSET, "{\"items\":[" + items + "]}");
    }

    private synchronized FullHttpResponse one(String key, QueryStringDecoder uri, String ifNoneMatch) {
        List<String> label = uri.parameters().get("label");
        String l = label == null || label.isEmpty() || label.get(0).isEmpty() ? NO_LABEL : label.get(0);
        Stored s = store.getOrDefault(key, Map.of()).get(l);
        if (s == null) {
            return Http.response(404, null, new byte[0]);
        }
        return conditional('"' + s.etag() + '"', ifNoneMatch, KV, item(key, l, s));
    }

    private FullHttpResponse conditional(String etag, String ifNoneMatch, String type, String json) {
        if (ifNoneMatch != null && (ifNoneMatch.equals(etag) || ifNoneMatch.equals("*"))) {
            notModified.incrementAndGet();
            FullHttpResponse r = Http.response(304, null, new byte[0]);
            r.headers().set("ETag", etag);
            return r;
        }
        FullHttpResponse r = Http.response(200, type, json.getBytes(StandardCharsets.UTF_8));
        r.headers().set("ETag", etag);
        return r;
    }

    private static String item(String key, String label, Stored s) {
        return "{\"etag\":" + Http.quote(s.etag()) + ",\"key\":" + Http.quote(key) + ",\"label\":"
            + (label.equals(NO_LABEL) ? "null" : Http.quote(label)) + ",\"content_type\":null,\"value\":"
            + Http.quote(s.value()) + ",\"last_modified\":" + Http.quote(DateTimeFormatter.ISO_INSTANT
            .format(s.lastModified())) + ",\"locked\":false,\"tags\":{}}";
    }

    /** The filter's terms, unescaped; {@code null} for any. */
    private static List<String> filter(List<String> param) {
        if (param == null || param.isEmpty() || param.get(0).equals("*")) {
            return null;
        }
        String f = param.get(0);
        List<String> out = new ArrayList<>();
        StringBuilder term = new StringBuilder();
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c == '\\' && i + 1 < f.length()) {
                term.append(f.charAt(++i) == '*' ? "\\*" : String.valueOf(f.charAt(i)));
            } else if (c == ',') {
                out.add(term.toString());
                term.setLength(0);
            } else {
                term.append(c);
            }
        }
        out.add(term.toString());
        return out;
    }

    private static boolean matches(List<String> terms, String value) {
        if (terms == null) {
            return true;
        }
        for (String t : terms) {
            if (t.endsWith("*") && !t.endsWith("\\*") ? value.startsWith(t.substring(0, t.length() - 1))
                : value.equals(t.replace("\\*", "*"))) {
                return true;
            }
        }
        return false;
    }

    /** Checks the HMAC-SHA256 scheme as the service does; the problem, or {@code null} when authenticated. */
    private String authenticate(FullHttpRequest request, Map<String, String> headers) {
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
        List<String> names = List.of(signed.toLowerCase(java.util.Locale.ROOT).split(";"));
        boolean dated = names.contains("x-ms-date") || names.contains("date");
        if (!dated || !names.contains("host") || !names.contains("x-ms-content-sha256")) {
            return "SignedHeaders must include x-ms-date (or date), host and x-ms-content-sha256";
        }
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
        String hash = Base64.getEncoder().encodeToString(sha256().digest(body));
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
        } catch (java.security.GeneralSecurityException e) {
            return "Signature cannot be checked: " + e.getClass().getSimpleName();
        }
        return null;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] problemJson(String type, String title, String detail, int status) {
        return ("{\"type\":" + Http.quote(type) + ",\"title\":" + Http.quote(title) + ",\"detail\":"
            + Http.quote(detail) + ",\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            FullHttpResponse response;
            try {
                response = handle(request);
            } catch (RuntimeException e) {
                response = Http.response(500, PROBLEM, problemJson("https://azconfig.io/errors/internal",
                    "Internal error", e.getClass().getSimpleName(), 500));
            }
            Http.write(ctx, response, HttpUtil.isKeepAlive(request));
        }
    }
}
