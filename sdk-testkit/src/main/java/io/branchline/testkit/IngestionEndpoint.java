package io.branchline.testkit;

import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import com.azure.json.JsonToken;
import com.azure.json.JsonWriter;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local Azure Monitor / Application Insights ingestion endpoint on {@code 127.0.0.1}, for tests, demos and
 * benchmarks.
 *
 * <p>It answers {@code POST /v2.1/track} and {@code POST /v2/track} with newline-delimited JSON envelopes or a JSON
 * array, optionally {@code Content-Encoding: gzip}. Every envelope is validated against the published track contract
 * ({@code appinsights-track-v2.1.swagger.json}, from the Azure REST API specs): {@code TelemetryEnvelope}, then
 * {@code data.baseData} against the definition of its {@code data.baseType}. Only the base types ingestion knows are
 * accepted ({@code RemoteDependencyData}, {@code MetricData}, {@code RequestData}, {@code MessageData},
 * {@code ExceptionData}, {@code EventData}, {@code PageViewData}, {@code PageViewPerfData},
 * {@code AvailabilityData}): the swagger's definition names are not base types (a metric's is {@code MetricData},
 * though its definition is {@code MetricsData}). On top of the schema it checks what
 * the service enforces: {@code time} is ISO-8601 UTC, durations are {@code [d.]hh:mm:ss[.fffffff]}, {@code iKey}
 * matches this endpoint's key and {@code name} is not empty. An invalid envelope is refused with a per-item 400 and
 * recorded as a violation naming the field, for example
 * {@code items[3].data.baseData.duration: "12ms" is not hh:mm:ss.ffffff or d.hh:mm:ss.ffffff}.
 *
 * <p>The answer is the service's {@code TrackResponse}:
 * {@code {"itemsReceived":N,"itemsAccepted":M,"errors":[{"index":i,"statusCode":c,"message":"..."}]}} with status 200
 * when all items were accepted, 206 when some failed and 400 when all failed validation.
 *
 * <p>Test controls script the next answers in order: {@link #respondWith(int, Duration, int)} and
 * {@link #respondPartial(Map)} queue up, and {@link #resetResponses()} empties the queue. All methods are
 * thread-safe; {@link #down()} and {@link #up()} wait for the socket and must not be called from an endpoint thread.
 */
public final class IngestionEndpoint implements AutoCloseable {
    /** The instrumentation key used by {@link #start()}: {@value}. */
    public static final String DEFAULT_INSTRUMENTATION_KEY = "b7a1c0de-0000-4000-8000-000000000001";
    /** Passed as {@code times} to {@link #respondWith(int, Duration, int)}: answer until {@link #resetResponses()}. */
    public static final int UNTIL_RESET = Integer.MAX_VALUE;
    /** How many accepted items and requests are kept; older ones are dropped: {@value}. */
    public static final int RECORD_LIMIT = 100_000;
    /** Largest request body accepted, in bytes: {@value}. */
    public static final int MAX_REQUEST_BYTES = 64 * 1024 * 1024;

    private static final Logger LOGGER = LoggerFactory.getLogger(IngestionEndpoint.class);
    private static final SwaggerValidator VALIDATOR = SwaggerValidator.load();
    /**
     * The {@code data.baseType} values ingestion knows, each with the swagger definition of its {@code baseData}.
     * They are the Application Insights type names, not the definition names: a metric's base type is
     * {@code MetricData}, validated against the {@code MetricsData} definition; {@code "MetricsData"} as a base type
     * is refused, as ingestion refuses it.
     */
    static final Map<String, String> BASE_TYPES = baseTypes();

    private final String instrumentationKey;
    private final EventLoopGroup group;
    private final LoopbackServer server;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition acceptedChanged = lock.newCondition();
    private final ArrayDeque<Scripted> script = new ArrayDeque<>();
    private final ArrayDeque<TelemetryItem> accepted = new ArrayDeque<>();
    private final ArrayDeque<IngestionRequest> requests = new ArrayDeque<>();
    private final List<String> violations = new ArrayList<>();
    private long acceptedCount;
    private long receivedCount;
    private int recordLimit = RECORD_LIMIT;
    /** Scripted status of a request that gets no answer. */
    private static final int HANG = -1;
    private String bearerToken;

    private IngestionEndpoint(String instrumentationKey) {
        this.instrumentationKey = instrumentationKey;
        this.group = new NioEventLoopGroup(2, Http.daemonThreads("branchline-ingestion"));
        Handler handler = new Handler();
        this.server = new LoopbackServer(group, p -> p
                .addLast(new HttpServerCodec())
                .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                .addLast(handler));
        try {
            server.start();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * Starts an endpoint with {@link #DEFAULT_INSTRUMENTATION_KEY} on an ephemeral port.
     *
     * @return the running endpoint; close it when done
     */
    public static IngestionEndpoint start() {
        return new IngestionEndpoint(DEFAULT_INSTRUMENTATION_KEY);
    }

    /**
     * Starts an endpoint that accepts envelopes for the given instrumentation key.
     *
     * @param instrumentationKey a GUID
     * @return the running endpoint; close it when done
     * @throws IllegalArgumentException if the key is not a GUID
     */
    public static IngestionEndpoint start(String instrumentationKey) {
        Objects.requireNonNull(instrumentationKey, "instrumentationKey");
        try {
            if (instrumentationKey.length() != 36) {
                throw new IllegalArgumentException();
            }
            UUID.fromString(instrumentationKey);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("instrumentationKey must be a GUID like "
                    + DEFAULT_INSTRUMENTATION_KEY + ", was '" + instrumentationKey + "'");
        }
        return new IngestionEndpoint(instrumentationKey);
    }

    /**
     * The instrumentation key envelopes must carry in {@code iKey}.
     *
     * @return the key
     */
    public String instrumentationKey() {
        return instrumentationKey;
    }

    /**
     * The port this endpoint listens on; it stays the same across {@link #down()} and {@link #up()}.
     *
     * @return the port
     */
    public int port() {
        return server.port();
    }

    /**
     * A connection string pointing at this endpoint.
     *
     * @return {@code InstrumentationKey=<key>;IngestionEndpoint=http://127.0.0.1:<port>/}
     */
    public String connectionString() {
        return "InstrumentationKey=" + instrumentationKey + ";IngestionEndpoint=http://" + LoopbackServer.LOOPBACK
                + ":" + server.port() + "/";
    }

    /**
     * The track URL.
     *
     * @return {@code http://127.0.0.1:<port>/v2.1/track}
     */
    public String ingestionUrl() {
        return "http://" + LoopbackServer.LOOPBACK + ":" + server.port() + "/v2.1/track";
    }

    /**
     * Answers the next request with {@code status} and no accepted item.
     *
     * @param status an HTTP status from 400 to 599, for example 401, 429, 500 or 503
     * @return this endpoint
     * @throws IllegalArgumentException if the status is outside 400..599
     */
    public IngestionEndpoint respondWith(int status) {
        return respondWith(status, null, 1);
    }

    /**
     * Answers the next {@code times} requests with {@code status} and no accepted item.
     *
     * @param status an HTTP status from 400 to 599
     * @param times how many requests, at least 1, or {@link #UNTIL_RESET}
     * @return this endpoint
     * @throws IllegalArgumentException if the status is outside 400..599 or {@code times} is below 1
     */
    public IngestionEndpoint respondWith(int status, int times) {
        return respondWith(status, null, times);
    }

    /**
     * Answers the next request with {@code status} and a {@code Retry-After} header, typically 429 or 503.
     *
     * @param status an HTTP status from 400 to 599
     * @param retryAfter the advertised wait, sent in whole seconds rounded up
     * @return this endpoint
     * @throws IllegalArgumentException if the status is outside 400..599 or {@code retryAfter} is negative
     */
    public IngestionEndpoint respondWith(int status, Duration retryAfter) {
        return respondWith(status, Objects.requireNonNull(retryAfter, "retryAfter"), 1);
    }

    /**
     * Answers the next {@code times} requests with {@code status}, no accepted item and, when {@code retryAfter} is
     * given, a {@code Retry-After} header. Scripted answers queue up behind earlier ones.
     *
     * @param status an HTTP status from 400 to 599
     * @param retryAfter the advertised wait, sent in whole seconds rounded up, or {@code null} for no header
     * @param times how many requests, at least 1, or {@link #UNTIL_RESET}
     * @return this endpoint
     * @throws IllegalArgumentException if the status is outside 400..599, {@code retryAfter} is negative or
     *     {@code times} is below 1
     */
    public IngestionEndpoint respondWith(int status, Duration retryAfter, int times) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status must be in 400..599, was " + status);
        }
        if (retryAfter != null && retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative, was " + retryAfter);
        }
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1, was " + times);
        }
        enqueue(new Scripted(status, retryAfter, null, times));
        return this;
    }

    /**
     * Answers the next request {@code 206}: the given items fail with the given per-item status, the others are
     * validated and accepted as usual.
     *
     * @param indexToStatus item index to per-item status, for example {@code Map.of(1, 500, 3, 429)}
     * @return this endpoint
     * @throws IllegalArgumentException if an index is negative or a status is outside 400..599
     */
    public IngestionEndpoint respondPartial(Map<Integer, Integer> indexToStatus) {
        Objects.requireNonNull(indexToStatus, "indexToStatus");
        indexToStatus.forEach((i, s) -> {
            if (i == null || i < 0 || s == null || s < 400 || s > 599) {
                throw new IllegalArgumentException("expected index >= 0 and status in 400..599, was " + i + "=" + s);
            }
        });
        enqueue(new Scripted(0, null, new TreeMap<>(indexToStatus), 1));
        return this;
    }

    /**
     * Never answers the next {@code times} track requests: the connection stays open with no response, as when
     * ingestion hangs. {@link #resetResponses()} ends it for later requests; a held request stays unanswered until the
     * client gives up or the endpoint closes.
     *
     * @param times how many requests to hold, or {@link #UNTIL_RESET}
     * @return this endpoint
     * @throws IllegalArgumentException if {@code times} is below 1
     */
    public IngestionEndpoint hang(int times) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1, was " + times);
        }
        enqueue(new Scripted(HANG, null, null, times));
        return this;
    }

    /**
     * Waits until at least {@code n} track requests arrived, answered or not (a request held by {@link #hang(int)}
     * counts as soon as it is read).
     *
     * @param n the count to wait for
     * @param timeout the longest wait
     * @return whether the count was reached; {@code false} on timeout or interrupt
     */
    public boolean awaitReceived(long n, Duration timeout) {
        return awaitCount(() -> receivedCount, n, timeout);
    }

    /**
     * Forgets every scripted answer not yet used.
     *
     * @return this endpoint
     */
    public IngestionEndpoint resetResponses() {
        lock.lock();
        try {
            script.clear();
        } finally {
            lock.unlock();
        }
        return this;
    }

    /**
     * Requires {@code Authorization: Bearer <token>}; other requests get 401, like Entra ID authenticated ingestion.
     *
     * @param token the expected token, or {@code null} to stop requiring one
     * @return this endpoint
     */
    public IngestionEndpoint requireBearerToken(String token) {
        lock.lock();
        try {
            this.bearerToken = token;
        } finally {
            lock.unlock();
        }
        return this;
    }

    /**
     * Takes the endpoint down: the socket is unbound and open connections are closed, so clients get "connection
     * refused".
     *
     * @return this endpoint
     */
    public IngestionEndpoint down() {
        server.down();
        return this;
    }

    /**
     * Brings the endpoint back on the same port after {@link #down()}.
     *
     * @return this endpoint
     */
    public IngestionEndpoint up() {
        server.up();
        return this;
    }

    /**
     * Sets how many accepted items and requests are kept for {@link #acceptedItems()} and {@link #requests()} (the
     * oldest go first); {@value #RECORD_LIMIT} unless set. A load test that only counts sets 0: every request is still
     * validated and answered and the counts still grow, but nothing is retained, so a long run does not measure the
     * endpoint's own heap.
     *
     * @param limit 0 or more
     * @return this endpoint
     * @throws IllegalArgumentException if {@code limit} is negative
     */
    public IngestionEndpoint recordLimit(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be 0 or more, was " + limit);
        }
        lock.lock();
        try {
            recordLimit = limit;
            while (accepted.size() > limit) {
                accepted.removeFirst();
            }
            while (requests.size() > limit) {
                requests.removeFirst();
            }
        } finally {
            lock.unlock();
        }
        return this;
    }

    /**
     * The accepted envelopes, oldest first (at most {@value #RECORD_LIMIT}, or the {@link #recordLimit(int)} set).
     *
     * @return a snapshot
     */
    public List<TelemetryItem> acceptedItems() {
        lock.lock();
        try {
            return List.copyOf(accepted);
        } finally {
            lock.unlock();
        }
    }

    /**
     * How many envelopes were accepted since start or {@link #clearRecordings()}.
     *
     * @return the count
     */
    public long acceptedCount() {
        lock.lock();
        try {
            return acceptedCount;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until at least {@code n} envelopes were accepted.
     *
     * @param n the count to wait for
     * @param timeout the longest wait
     * @return whether the count was reached; {@code false} on timeout or interrupt
     */
    public boolean awaitAccepted(long n, Duration timeout) {
        return awaitCount(() -> acceptedCount, n, timeout);
    }

    /** Waits until {@code count} reaches {@code n}; the counts change only under the lock, which signals. */
    private boolean awaitCount(LongSupplier count, long n, Duration timeout) {
        long nanos = Objects.requireNonNull(timeout, "timeout").toNanos();
        lock.lock();
        try {
            while (count.getAsLong() < n) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = acceptedChanged.awaitNanos(nanos);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The HTTP requests received, oldest first (at most {@value #RECORD_LIMIT}, or the {@link #recordLimit(int)} set).
     *
     * @return a snapshot
     */
    public List<IngestionRequest> requests() {
        lock.lock();
        try {
            return List.copyOf(requests);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Every contract violation seen, each naming the field path, for example
     * {@code items[0].data.baseData.name: required field is missing}.
     *
     * @return a snapshot
     */
    public List<String> violations() {
        lock.lock();
        try {
            return List.copyOf(violations);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fails when any envelope or request broke the contract.
     *
     * @throws AssertionError listing every violation
     */
    public void assertNoViolations() {
        List<String> seen = violations();
        if (!seen.isEmpty()) {
            throw new AssertionError(seen.size() + " telemetry contract violation(s):\n  "
                    + String.join("\n  ", seen));
        }
    }

    /**
     * Forgets accepted items, requests and violations, and resets the accepted count.
     *
     * @return this endpoint
     */
    public IngestionEndpoint clearRecordings() {
        lock.lock();
        try {
            accepted.clear();
            requests.clear();
            violations.clear();
            acceptedCount = 0;
        } finally {
            lock.unlock();
        }
        return this;
    }

    /**
     * Closes the server and its connections and stops its threads, waiting at most a few seconds.
     */
    @Override
    public void close() {
        server.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /**
     * Describes the endpoint.
     *
     * @return the ingestion URL
     */
    @Override
    public String toString() {
        return "IngestionEndpoint@" + ingestionUrl();
    }

    private void enqueue(Scripted s) {
        lock.lock();
        try {
            script.addLast(s);
        } finally {
            lock.unlock();
        }
    }

    private static final class Scripted {
        final int status;
        final Duration retryAfter;
        final Map<Integer, Integer> partial;
        int remaining;

        Scripted(int status, Duration retryAfter, Map<Integer, Integer> partial, int remaining) {
            this.status = status;
            this.retryAfter = retryAfter;
            this.partial = partial;
            this.remaining = remaining;
        }
    }

    /** One item of a request body: the parsed envelope, or a parse error. */
    private record Parsed(Object value, String json, String error) {
    }

    /** A request body: its items, or a body-level error. */
    private record Body(String text, List<Parsed> items, String error) {
    }

    private static Map<String, String> baseTypes() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("AvailabilityData", "AvailabilityData");
        m.put("EventData", "EventData");
        m.put("ExceptionData", "ExceptionData");
        m.put("MessageData", "MessageData");
        m.put("MetricData", "MetricsData");
        m.put("PageViewData", "PageViewData");
        m.put("PageViewPerfData", "PageViewPerfData");
        m.put("RemoteDependencyData", "RemoteDependencyData");
        m.put("RequestData", "RequestData");
        for (String definition : m.values()) {
            if (!VALIDATOR.isDomainData(definition)) {
                throw new IllegalStateException("the track contract has no telemetry definition " + definition);
            }
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    static Body parse(byte[] raw, String contentEncoding) {
        byte[] bytes = raw;
        if (contentEncoding != null && contentEncoding.toLowerCase(java.util.Locale.ROOT).contains("gzip")) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                return new Body("", List.of(), "body is not valid gzip: " + e.getMessage());
            }
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        String trimmed = text.strip();
        List<Parsed> items = new ArrayList<>();
        if (trimmed.startsWith("[")) {
            Object array;
            try (JsonReader reader = JsonProviders.createReader(trimmed)) {
                reader.nextToken();
                array = reader.readUntyped();
            } catch (IOException | RuntimeException e) {
                return new Body(text, List.of(), "body is not a valid JSON array: " + e.getMessage());
            }
            for (Object element : (List<?>) array) {
                items.add(new Parsed(element, toJson(element), null));
            }
        } else {
            // one item per line (LF or CRLF); scanned by hand: a regular-expression split of a large body costs
            // more than parsing its items
            for (int start = 0, end; start < trimmed.length(); start = end + 1) {
                end = trimmed.indexOf('\n', start);
                if (end < 0) {
                    end = trimmed.length();
                }
                String line = trimmed.substring(start, end > start && trimmed.charAt(end - 1) == '\r' ? end - 1 : end);
                if (line.isBlank()) {
                    continue;
                }
                try (JsonReader reader = JsonProviders.createReader(line)) {
                    if (reader.nextToken() != JsonToken.START_OBJECT) {
                        items.add(new Parsed(null, line, "is not a JSON object"));
                        continue;
                    }
                    items.add(new Parsed(reader.readUntyped(), line, null));
                } catch (IOException | RuntimeException e) {
                    items.add(new Parsed(null, line, "is not valid JSON: " + e.getMessage()));
                }
            }
        }
        if (items.isEmpty()) {
            return new Body(text, items, "body holds no telemetry items");
        }
        return new Body(text, items, null);
    }

    private static String toJson(Object value) {
        StringWriter out = new StringWriter();
        try (JsonWriter writer = JsonProviders.createWriter(out)) {
            writer.writeUntyped(value);
        } catch (IOException e) {
            return String.valueOf(value);
        }
        return out.toString();
    }

    /** Validates one envelope; returns the violations, each prefixed with {@code items[i]}. */
    List<String> validate(Object value, int index) {
        String p = "items[" + index + "]";
        LinkedHashSet<String> out = new LinkedHashSet<>();
        if (!(value instanceof Map<?, ?> envelope)) {
            out.add(p + ": expected a JSON object");
            return List.copyOf(out);
        }
        List<String> found = new ArrayList<>();
        VALIDATOR.validate(envelope, "TelemetryEnvelope", p, found);
        if (envelope.get("name") instanceof String name && name.isBlank()) {
            found.add(p + ".name: must not be empty");
        }
        Object iKey = envelope.get("iKey");
        if (iKey == null) {
            found.add(p + ".iKey: required field is missing");
        } else if (iKey instanceof String k && !k.equalsIgnoreCase(instrumentationKey)) {
            found.add(p + ".iKey: " + SwaggerValidator.render(k) + " is not this endpoint's instrumentation key "
                    + instrumentationKey);
        }
        Object data = envelope.get("data");
        if (data == null) {
            found.add(p + ".data: required field is missing");
        } else if (data instanceof Map<?, ?> d) {
            Object baseType = d.get("baseType");
            if (baseType == null) {
                found.add(p + ".data.baseType: required field is missing");
            } else if (!(baseType instanceof String bt) || !BASE_TYPES.containsKey(bt)) {
                found.add(p + ".data.baseType: " + SwaggerValidator.render(baseType) + " is not a telemetry type"
                        + " ingestion knows; expected one of " + BASE_TYPES.keySet());
            } else if (d.get("baseData") == null) {
                found.add(p + ".data.baseData: required field is missing");
            } else {
                VALIDATOR.validate(d.get("baseData"), BASE_TYPES.get(bt), p + ".data.baseData", found);
            }
        }
        out.addAll(found);
        return List.copyOf(out);
    }

    @ChannelHandler.Sharable
    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            String path = new QueryStringDecoder(request.uri()).rawPath();
            if (!request.decoderResult().isSuccess()) {
                Http.write(ctx, Http.json(400, "{\"error\":\"malformed HTTP request\"}"), false);
                return;
            }
            if (!path.equals("/v2.1/track") && !path.equals("/v2/track")) {
                Http.write(ctx, Http.json(404, "{\"error\":\"not found: " + path.replace("\"", "") + "\"}"),
                        keepAlive);
                return;
            }
            if (!HttpMethod.POST.equals(request.method())) {
                FullHttpResponse r = Http.json(405, "{\"error\":\"method not allowed\"}");
                r.headers().set("Allow", "POST");
                Http.write(ctx, r, keepAlive);
                return;
            }
            lock.lock();
            try {
                receivedCount++;
                acceptedChanged.signalAll();
                Scripted next = script.peekFirst();
                if (next != null && next.status == HANG) {
                    if (next.remaining != UNTIL_RESET && --next.remaining == 0) {
                        script.removeFirst();
                    }
                    return; // no answer: the client sees a request that never completes
                }
            } finally {
                lock.unlock();
            }
            Map<String, String> headers = Http.headers(request);
            byte[] raw = Http.body(request);
            Body body = parse(raw, headers.get("Content-Encoding"));
            List<Parsed> items = body.items();
            FullHttpResponse response = respond(request, headers, raw, body, items);
            Http.write(ctx, response, keepAlive);
        }

        private FullHttpResponse respond(FullHttpRequest request, Map<String, String> headers, byte[] raw,
                Body body, List<Parsed> items) {
            int n = items.size();
            String[] messages = new String[n];
            int[] statuses = new int[n];
            int status;
            Duration retryAfter = null;
            List<TelemetryItem> ok = new ArrayList<>();
            // Validation is pure: done before the lock, so requests on several connections are checked at once, as
            // the real service does.
            List<List<String>> checked = new ArrayList<>(n);
            if (body.error() == null) {
                for (int i = 0; i < n; i++) {
                    Parsed item = items.get(i);
                    checked.add(item.error() != null ? List.of("items[" + i + "]: " + item.error())
                            : validate(item.value(), i));
                }
            }
            lock.lock();
            try {
                Scripted scripted = script.peekFirst();
                if (bearerToken != null && !("Bearer " + bearerToken).equals(headers.get("Authorization"))) {
                    status = 401;
                    fill(statuses, messages, 401, "the Authorization header does not carry the expected bearer token");
                } else if (scripted != null && scripted.partial == null) {
                    if (scripted.remaining != UNTIL_RESET && --scripted.remaining == 0) {
                        script.removeFirst();
                    }
                    status = scripted.status;
                    retryAfter = scripted.retryAfter;
                    fill(statuses, messages, status, "simulated " + status);
                } else if (body.error() != null) {
                    status = 400;
                    violations.add("request: " + body.error());
                } else {
                    Map<Integer, Integer> partial = Map.of();
                    if (scripted != null) {
                        script.removeFirst();
                        partial = scripted.partial;
                    }
                    boolean allInvalid = true;
                    for (int i = 0; i < n; i++) {
                        Parsed item = items.get(i);
                        List<String> found = checked.get(i);
                        if (!found.isEmpty()) {
                            violations.addAll(found);
                            statuses[i] = 400;
                            messages[i] = String.join("; ", found);
                        } else if (partial.containsKey(i)) {
                            allInvalid = false;
                            statuses[i] = partial.get(i);
                            messages[i] = "simulated " + statuses[i];
                        } else {
                            allInvalid = false;
                            @SuppressWarnings("unchecked")
                            Map<String, Object> envelope = (Map<String, Object>) item.value();
                            ok.add(new TelemetryItem(envelope, item.json()));
                        }
                    }
                    status = ok.size() == n ? 200 : allInvalid ? 400 : 206;
                    for (TelemetryItem item : ok) {
                        if (recordLimit == 0) {
                            break;
                        }
                        if (accepted.size() >= recordLimit) {
                            accepted.removeFirst();
                        }
                        accepted.addLast(item);
                    }
                    acceptedCount += ok.size();
                    if (!ok.isEmpty()) {
                        acceptedChanged.signalAll();
                    }
                }
                if (recordLimit > 0) {
                    if (requests.size() >= recordLimit) {
                        requests.removeFirst();
                    }
                    requests.addLast(new IngestionRequest(request.method().name(), request.uri(), headers, raw.length,
                            body.text(), n, status, Instant.now()));
                }
            } finally {
                lock.unlock();
            }
            StringBuilder json = new StringBuilder("{\"itemsReceived\":").append(n)
                    .append(",\"itemsAccepted\":").append(ok.size()).append(",\"errors\":[");
            boolean first = true;
            if (body.error() != null && status == 400) {
                json.append("{\"index\":0,\"statusCode\":400,\"message\":").append(Http.quote(body.error()))
                        .append('}');
                first = false;
            }
            for (int i = 0; i < n; i++) {
                if (statuses[i] != 0) {
                    json.append(first ? "" : ",").append("{\"index\":").append(i).append(",\"statusCode\":")
                            .append(statuses[i]).append(",\"message\":").append(Http.quote(messages[i]))
                            .append('}');
                    first = false;
                }
            }
            json.append("]}");
            FullHttpResponse response = Http.json(status, json.toString());
            if (retryAfter != null) {
                response.headers().set("Retry-After", Long.toString((retryAfter.toMillis() + 999) / 1000));
            }
            return response;
        }

        private void fill(int[] statuses, String[] messages, int status, String message) {
            java.util.Arrays.fill(statuses, status);
            java.util.Arrays.fill(messages, message);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOGGER.debug("ingestion endpoint: closing connection after error", cause);
            ctx.close();
        }
    }
}
