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
import io.netty.handler.codec.http.QueryStringEncoder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local Azure App Configuration store on 127.0.0.1, for tests and demos that script run-time control: the subset
 * of the data-plane REST API (api-versions {@code 1.0}, {@code 2023-10-01} and {@code 2023-11-01}, the ones the
 * {@code azure-data-appconfiguration} client speaks) that reading key-values needs, as Microsoft documents it.
 * <ul>
 * <li>{@code GET /kv?key=&label=&$Select=&After=&api-version=}: list key-values, sorted by key then label;
 * {@code key} filters by exact keys or a prefix ending in {@code *} (several separated by commas); {@code label} by
 * labels separated by commas, {@code \0} for none, {@code *} or absent for any; {@code ,} {@code *} and {@code \}
 * in a filter are escaped with {@code \}. {@code $Select} names the fields returned ({@code key}, {@code label},
 * {@code content_type}, {@code value}, {@code last_modified}, {@code tags}, {@code locked}, {@code etag}). At most
 * {@link #pageSize(int)} items (100 by default) come per page; a further page is named by the {@code @nextLink}
 * property and the {@code Link: <...>; rel="next"} header, the same query with an opaque {@code After} token. Each
 * page carries an {@code ETag}; a request whose {@code If-None-Match} holds it is answered {@code 304} with no body
 * (and the same {@code Link}).</li>
 * <li>{@code GET /kv/{key}?label=&api-version=}: one key-value (no label when {@code label} is absent),
 * {@code 404} when missing, {@code 304} on a matching {@code If-None-Match}.</li>
 * <li>Every request must carry a supported {@code api-version} ({@code 400} otherwise) and HMAC-SHA256
 * authentication as Microsoft's HMAC authentication page describes it ({@code 401} with {@code WWW-Authenticate}
 * otherwise), signed with the access key of {@link #connectionString()}.</li>
 * </ul>
 * Values are set with {@link #set} and {@link #delete}; {@link #down()} makes it unreachable (connections refused)
 * until {@link #up()}.
 */
public final class AppConfigurationEndpoint implements AutoCloseable {
    private static final String KVSET = "application/vnd.microsoft.appconfig.kvset+json; charset=utf-8";
    private static final String KV = "application/vnd.microsoft.appconfig.kv+json; charset=utf-8";
    private static final String PROBLEM = "application/problem+json; charset=utf-8";
    private static final String NO_LABEL = "\0";
    private static final Set<String> API_VERSIONS = Set.of("1.0", "2023-10-01", "2023-11-01");
    private static final List<String> FIELDS = List.of("etag", "key", "label", "content_type", "value",
        "last_modified", "locked", "tags");

    private final EventLoopGroup group;
    private final LoopbackServer server;
    private final String id;
    private final byte[] secret;
    private final Clock clock;
    private final AppConfigurationAuth auth;
    /** Guarded by {@code this}: key, then label ({@link #NO_LABEL} for none), to the stored key-value. */
    private final Map<String, Map<String, Stored>> store = new TreeMap<>();
    private final AtomicLong revision = new AtomicLong();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger notModified = new AtomicInteger();
    private final AtomicInteger rejected = new AtomicInteger();
    private volatile int pageSize = 100;

    private record Stored(String value, String etag, Instant lastModified) {
    }

    private AppConfigurationEndpoint(Clock clock) {
        this.clock = clock;
        SecureRandom random = new SecureRandom();
        this.secret = new byte[32];
        random.nextBytes(secret);
        this.id = "local-" + Integer.toHexString(random.nextInt() & 0xffff);
        this.auth = new AppConfigurationAuth(id, secret, clock);
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

    /**
     * Sets how many key-values one page of a listing holds at most, as the service's response limit does.
     *
     * @param items at least 1; 100 by default
     * @return this store
     */
    public AppConfigurationEndpoint pageSize(int items) {
        if (items < 1) {
            throw new IllegalArgumentException("pageSize must be at least 1, was " + items);
        }
        this.pageSize = items;
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
        String problem = auth.check(request, headers);
        if (problem != null) {
            rejected.incrementAndGet();
            FullHttpResponse r = Http.response(401, PROBLEM, problemJson("https://azconfig.io/errors/unauthorized",
                "Unauthorized", problem, 401));
            r.headers().set("WWW-Authenticate", "HMAC-SHA256 error=\"invalid_token\", error_description=\""
                + problem.replace('"', '\'') + "\"");
            return r;
        }
        List<String> version = uri.parameters().getOrDefault("api-version", List.of());
        if (version.isEmpty() || !API_VERSIONS.contains(version.get(0))) {
            return invalid("A supported api-version query parameter is required", "api-version is one of "
                + API_VERSIONS);
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
        List<String> keys = KeyValueFilter.parse(uri.parameters().get("key"));
        List<String> labels = KeyValueFilter.parse(uri.parameters().get("label"));
        List<String> fields = select(uri.parameters().get("$Select"));
        if (fields != null && !FIELDS.containsAll(fields)) {
            return invalid("Invalid $Select", "$Select names fields among " + FIELDS);
        }
        List<String> after = uri.parameters().get("After");
        String from = after == null || after.isEmpty() ? null : cursor(after.get(0));
        StringBuilder items = new StringBuilder();
        MessageDigest digest = sha256();
        int count = 0;
        String last = null;
        boolean more = false;
        for (Map.Entry<String, Map<String, Stored>> k : store.entrySet()) {
            if (!KeyValueFilter.matches(keys, k.getKey())) {
                continue;
            }
            for (Map.Entry<String, Stored> l : k.getValue().entrySet()) {
                String position = k.getKey() + '\n' + l.getKey();
                if (!KeyValueFilter.matches(labels, l.getKey()) || from != null && position.compareTo(from) <= 0) {
                    continue;
                }
                if (count == pageSize) {
                    more = true;
                    break;
                }
                items.append(count++ == 0 ? "" : ",").append(item(k.getKey(), l.getKey(), l.getValue(), fields));
                digest.update(l.getValue().etag().getBytes(StandardCharsets.UTF_8));
                last = position;
            }
            if (more) {
                break;
            }
        }
        String next = null;
        if (more) {
            QueryStringEncoder link = new QueryStringEncoder("/kv");
            uri.parameters().forEach((name, values) -> {
                if (!name.equals("After")) {
                    values.forEach(v -> link.addParam(name, v));
                }
            });
            link.addParam("After", Base64.getUrlEncoder().withoutPadding().encodeToString(
                last.getBytes(StandardCharsets.UTF_8)));
            next = link.toString();
        }
        digest.update(String.valueOf(next).getBytes(StandardCharsets.UTF_8));
        String etag = '"' + Base64.getUrlEncoder().withoutPadding().encodeToString(digest.digest()) + '"';
        FullHttpResponse r = conditional(etag, ifNoneMatch, KVSET, "{\"items\":[" + items + "]"
            + (next == null ? "" : ",\"@nextLink\":" + Http.quote(next)) + "}");
        if (next != null) {
            r.headers().set("Link", "<" + next + ">; rel=\"next\"");
        }
        return r;
    }

    /** The position an {@code After} token names; one no key can follow when the token is not ours. */
    private static String cursor(String token) {
        try {
            return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "\uffff";
        }
    }

    /** The fields {@code $Select} names, or {@code null} for all. */
    private static List<String> select(List<String> param) {
        if (param == null || param.isEmpty() || param.get(0).isBlank()) {
            return null;
        }
        return List.of(param.get(0).toLowerCase(java.util.Locale.ROOT).split("\\s*,\\s*"));
    }

    private synchronized FullHttpResponse one(String key, QueryStringDecoder uri, String ifNoneMatch) {
        List<String> label = uri.parameters().get("label");
        String l = label == null || label.isEmpty() || label.get(0).isEmpty() ? NO_LABEL : label.get(0);
        Stored s = store.getOrDefault(key, Map.of()).get(l);
        if (s == null) {
            return Http.response(404, null, new byte[0]);
        }
        return conditional('"' + s.etag() + '"', ifNoneMatch, KV, item(key, l, s, select(uri.parameters()
            .get("$Select"))));
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

    private static String item(String key, String label, Stored s, List<String> fields) {
        StringBuilder json = new StringBuilder("{");
        for (String field : FIELDS) {
            if (fields != null && !fields.contains(field)) {
                continue;
            }
            String value = switch (field) {
                case "etag" -> Http.quote(s.etag());
                case "key" -> Http.quote(key);
                case "label" -> label.equals(NO_LABEL) ? "null" : Http.quote(label);
                case "content_type" -> "null";
                case "value" -> Http.quote(s.value());
                case "last_modified" -> Http.quote(DateTimeFormatter.ISO_INSTANT.format(s.lastModified()));
                case "locked" -> "false";
                default -> "{}";
            };
            json.append(json.length() == 1 ? "" : ",").append('"').append(field).append("\":").append(value);
        }
        return json.append('}').toString();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private FullHttpResponse invalid(String title, String detail) {
        rejected.incrementAndGet();
        return Http.response(400, PROBLEM, problemJson("https://azconfig.io/errors/invalid-argument", title, detail,
            400));
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
