package io.branchline.testkit;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated regional Azure Function app: an HTTP/1.1 server on {@code 127.0.0.1} with keep-alive, obtained from
 * {@link RegionSimulator#region(String)}. For tests, demos and benchmarks.
 *
 * <p><b>Answers.</b> Any path other than the health path gets {@code 200}, {@code Content-Type: application/json},
 * {@code x-branchline-region: <name>} and the body
 * {@code {"region":"<name>","method":"GET","path":"/api/orders","bodyBytes":N}}, unless a canned response was set with
 * {@link #respond(String, int, String, byte[])}. The health path (default {@value RegionSimulator#DEFAULT_HEALTH_PATH})
 * answers {@code 200 {"status":"Healthy"}} and {@value #HOST_PING_PATH} answers an empty {@code 200}, like the
 * Functions host; both follow the faults as documented on {@link Fault}. An incoming {@code traceparent} header is
 * echoed on every answer.
 *
 * <p><b>Delays.</b> Every answer waits for the base {@link #latency(Duration) latency}; function calls also wait for
 * {@link #tail(double, Duration) tail} and cold-start delays. Delays are scheduled on the event loop, no thread blocks.
 *
 * <p><b>Counting.</b> Every request is counted: function calls by {@link #requestCount()}, health and host pings by
 * {@link #healthRequestCount()}, and any path by {@link #requestCount(String)}.
 *
 * <p>All methods are thread-safe and may be called while load is flowing; changes apply to the next request. The
 * methods that change the listening socket ({@link #fault(Fault)} with or from {@link Fault#down()}, and
 * {@link #restore()}) wait for the socket and must not be called from a simulator thread.
 */
public final class SimulatedRegion {
    /** The Functions host ping path, answered like the health path: {@value}. */
    public static final String HOST_PING_PATH = "/admin/host/ping";

    private static final Logger LOGGER = LoggerFactory.getLogger(SimulatedRegion.class);
    private static final byte[] HEALTHY = "{\"status\":\"Healthy\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] EMPTY = new byte[0];

    private final String name;
    private final String healthPath;
    private final long seed;
    private final int recordLimit;
    private final LoopbackServer server;
    private final Duration initialLatency;

    private volatile long latencyNanos;
    private volatile Tail tail = Tail.NONE;
    private volatile Fault fault;
    private final AtomicInteger coldCallsLeft = new AtomicInteger();
    /** Bumped each time {@link Fault#coldInstances} is set: connections count their cold calls per epoch. */
    private final AtomicInteger coldEpoch = new AtomicInteger();
    private static final io.netty.util.AttributeKey<int[]> COLD_CALLS =
            io.netty.util.AttributeKey.valueOf("branchline.coldCalls");
    private final Map<String, Canned> canned = new ConcurrentHashMap<>();
    private final Map<String, String> extraHeaders = new ConcurrentHashMap<>();

    private final LongAdder calls = new LongAdder();
    private final LongAdder healthCalls = new LongAdder();
    private final Map<String, LongAdder> byPath = new ConcurrentHashMap<>();
    private final ArrayDeque<RecordedCall> recorded = new ArrayDeque<>();

    SimulatedRegion(String name, Duration latency, String healthPath, long seed, int recordLimit,
            EventLoopGroup group) {
        this.name = name;
        this.healthPath = healthPath;
        this.seed = seed;
        this.recordLimit = recordLimit;
        this.initialLatency = latency;
        this.latencyNanos = latency.toNanos();
        Handler handler = new Handler();
        this.server = new LoopbackServer(group, p -> p
                .addLast(new HttpServerCodec())
                .addLast(new HttpObjectAggregator(RegionSimulator.MAX_REQUEST_BYTES))
                .addLast(handler));
    }

    void start() {
        server.start();
    }

    void close() {
        server.close();
    }

    /**
     * The region name given to the builder.
     *
     * @return the name, for example {@code westeurope}
     */
    public String name() {
        return name;
    }

    /**
     * The port this region listens on; it stays the same across {@link Fault#down()} and {@link #restore()}.
     *
     * @return the port
     */
    public int port() {
        return server.port();
    }

    /**
     * The base URL of this region's function app.
     *
     * @return for example {@code http://127.0.0.1:41234}
     */
    public String baseUrl() {
        return "http://" + LoopbackServer.LOOPBACK + ":" + server.port();
    }

    /**
     * A URI on this region.
     *
     * @param pathAndQuery a path starting with {@code /}, optionally with a query
     * @return the absolute URI
     * @throws IllegalArgumentException if the path does not start with {@code /}
     */
    public URI uri(String pathAndQuery) {
        Objects.requireNonNull(pathAndQuery, "pathAndQuery");
        if (!pathAndQuery.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/', was '" + pathAndQuery + "'");
        }
        return URI.create(baseUrl() + pathAndQuery);
    }

    /**
     * The health path of this region.
     *
     * @return the health path, for example {@code /api/health}
     */
    public String healthPath() {
        return healthPath;
    }

    /**
     * Changes the base latency applied to every answer, health checks included.
     *
     * @param latency the new latency, not negative
     * @return this region
     * @throws IllegalArgumentException if the latency is negative
     */
    public SimulatedRegion latency(Duration latency) {
        this.latencyNanos = RegionSimulator.requireNotNegative(latency, "latency").toNanos();
        return this;
    }

    /**
     * The current base latency.
     *
     * @return the latency
     */
    public Duration latency() {
        return Duration.ofNanos(latencyNanos);
    }

    /**
     * Delays a fraction of function calls by an extra amount. The choice is made by a random generator seeded from
     * {@link RegionSimulator.Builder#seed(long)} and reseeded by every call of this method, so a sequence of requests
     * sees the same pattern each run. {@code tail(0, Duration.ZERO)} switches the tail off.
     *
     * @param fraction the fraction of calls delayed, from 0 to 1
     * @param extra the extra delay, not negative
     * @return this region
     * @throws IllegalArgumentException if the fraction is outside 0..1 or the delay is negative
     */
    public SimulatedRegion tail(double fraction, Duration extra) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction must be in 0..1, was " + fraction);
        }
        RegionSimulator.requireNotNegative(extra, "extra");
        this.tail = new Tail(fraction, extra.toNanos(), new Random(seed));
        return this;
    }

    /**
     * Switches this region to a fault, replacing any active one. Switching to {@link Fault#down()} unbinds the
     * socket and closes open connections before returning; switching from it rebinds the same port.
     *
     * @param fault the fault
     * @return this region
     */
    public SimulatedRegion fault(Fault fault) {
        Objects.requireNonNull(fault, "fault");
        synchronized (server) {
            if (fault.kind() == Fault.Kind.COLD_START) {
                coldCallsLeft.set(fault.calls());
            }
            if (fault.kind() == Fault.Kind.COLD_INSTANCES) {
                coldEpoch.incrementAndGet();
            }
            this.fault = fault;
            if (fault.kind() == Fault.Kind.DOWN) {
                server.down();
            } else {
                server.up();
            }
        }
        return this;
    }

    /**
     * The active fault.
     *
     * @return the fault, or empty when the region is healthy
     */
    public Optional<Fault> fault() {
        return Optional.ofNullable(fault);
    }

    /**
     * Clears the active fault; a region that was down listens again on the same port. Latency, tail and canned
     * responses are kept.
     *
     * @return this region
     */
    public SimulatedRegion restore() {
        synchronized (server) {
            this.fault = null;
            coldCallsLeft.set(0);
            server.up();
        }
        return this;
    }

    /**
     * Answers every request to {@code path} with a fixed response instead of the echo body, for example a large or
     * malformed body. Faults still take precedence.
     *
     * @param path the exact path, without query
     * @param status the HTTP status
     * @param contentType the content type, or {@code null} for none
     * @param body the body bytes (copied)
     * @return this region
     * @throws IllegalArgumentException if the status is outside 100..599
     */
    public SimulatedRegion respond(String path, int status, String contentType, byte[] body) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(body, "body");
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be in 100..599, was " + status);
        }
        canned.put(path, new Canned(status, contentType, body.clone()));
        return this;
    }

    /**
     * Adds a header to every function answer (not to health checks), such as {@code Cache-Control} with
     * {@code max-age=0, stale-if-error=60} or {@code no-store}, the way a function sets caching rules on its answers.
     *
     * @param name the header's name
     * @param value its value, or {@code null} to stop adding it
     * @return this region
     */
    public SimulatedRegion responseHeader(String name, String value) {
        Objects.requireNonNull(name, "name");
        if (value == null) {
            extraHeaders.remove(name);
        } else {
            extraHeaders.put(name, value);
        }
        return this;
    }

    /**
     * Removes every canned response set with {@link #respond(String, int, String, byte[])}.
     *
     * @return this region
     */
    public SimulatedRegion clearResponses() {
        canned.clear();
        return this;
    }

    /**
     * Function calls received, health checks and host pings excluded.
     *
     * @return the count since start or the last {@link #resetCounts()}
     */
    public long requestCount() {
        return calls.sum();
    }

    /**
     * Requests received on one path, whatever kind.
     *
     * @param path the exact path, without query
     * @return the count since start or the last {@link #resetCounts()}
     */
    public long requestCount(String path) {
        LongAdder n = byPath.get(path);
        return n == null ? 0 : n.sum();
    }

    /**
     * Health checks and host pings received.
     *
     * @return the count since start or the last {@link #resetCounts()}
     */
    public long healthRequestCount() {
        return healthCalls.sum();
    }

    /**
     * Resets all counters and forgets the recorded requests.
     *
     * @return this region
     */
    public SimulatedRegion resetCounts() {
        calls.reset();
        healthCalls.reset();
        byPath.clear();
        synchronized (recorded) {
            recorded.clear();
        }
        return this;
    }

    /**
     * The most recent requests, oldest first, at most {@link RegionSimulator.Builder#recordedRequestLimit(int)}.
     *
     * @return a snapshot
     */
    public List<RecordedCall> recordedRequests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    void reset() {
        restore();
        latencyNanos = initialLatency.toNanos();
        tail = Tail.NONE;
        canned.clear();
        extraHeaders.clear();
        resetCounts();
    }

    /**
     * Describes the region.
     *
     * @return for example {@code westeurope@http://127.0.0.1:41234}
     */
    @Override
    public String toString() {
        return name + "@" + baseUrl();
    }

    private record Tail(double fraction, long extraNanos, Random random) {
        static final Tail NONE = new Tail(0, 0, null);

        long draw() {
            if (random == null || fraction <= 0) {
                return 0;
            }
            return random.nextDouble() < fraction ? extraNanos : 0;
        }
    }

    private record Canned(int status, String contentType, byte[] body) {
    }

    @ChannelHandler.Sharable
    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (!request.decoderResult().isSuccess()) {
                Http.write(ctx, Http.json(400, "{\"error\":\"bad request\"}"), false);
                return;
            }
            String uri = request.uri();
            QueryStringDecoder decoder = new QueryStringDecoder(uri);
            String path = decoder.rawPath();
            boolean health = path.equals(healthPath) || path.equals(HOST_PING_PATH);
            (health ? healthCalls : calls).increment();
            byPath.computeIfAbsent(path, p -> new LongAdder()).increment();

            Fault f = fault;
            Fault.Kind kind = f == null ? null : f.kind();
            FullHttpResponse response;
            long delay = latencyNanos;
            if (kind == Fault.Kind.DOWN) {
                record(request, path, decoder, 0);
                ctx.close();
                return;
            } else if (kind == Fault.Kind.BLACKHOLE) {
                record(request, path, decoder, 0);
                return;
            } else if (kind == Fault.Kind.SERVER_ERROR) {
                response = Http.json(f.status(), "{\"error\":\"simulated server error\",\"region\":"
                        + Http.quote(name) + ",\"status\":" + f.status() + "}");
            } else if (health) {
                response = path.equals(healthPath)
                        ? Http.response(200, Http.APPLICATION_JSON, HEALTHY)
                        : Http.response(200, null, EMPTY);
                if (kind == Fault.Kind.COLD_INSTANCES) {
                    response.headers().set(Fault.COLD_START_HEADER, "1");
                }
            } else if (kind == Fault.Kind.THROTTLE) {
                response = Http.json(429, "{\"error\":\"simulated throttling\",\"region\":" + Http.quote(name) + "}");
                response.headers().set("X-FUNCTION-SCALEOUT", "1");
                if (f.duration() != null) {
                    long seconds = (f.duration().toMillis() + 999) / 1000;
                    response.headers().set("Retry-After", Long.toString(seconds));
                }
            } else {
                delay += tail.draw();
                if (kind == Fault.Kind.COLD_START
                        && coldCallsLeft.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                    delay += f.duration().toNanos();
                }
                boolean coldInstance = kind == Fault.Kind.COLD_INSTANCES && coldOnThisConnection(ctx, f.calls());
                if (coldInstance) {
                    delay += f.duration().toNanos();
                }
                Canned c = canned.get(path);
                if (c != null) {
                    response = Http.response(c.status(), c.contentType(), c.body());
                } else {
                    response = Http.json(200, "{\"region\":" + Http.quote(name) + ",\"method\":"
                            + Http.quote(request.method().name()) + ",\"path\":" + Http.quote(path)
                            + ",\"bodyBytes\":" + request.content().readableBytes() + "}");
                }
                for (Map.Entry<String, String> h : extraHeaders.entrySet()) {
                    response.headers().set(h.getKey(), h.getValue());
                }
                if (coldInstance) {
                    response.headers().set(Fault.COLD_START_HEADER, "1");
                }
            }
            record(request, path, decoder, delay);
            response.headers().set("x-branchline-region", name);
            String traceparent = request.headers().get("traceparent");
            if (traceparent != null) {
                response.headers().set("traceparent", traceparent);
            }
            if (delay <= 0) {
                Http.write(ctx, response, keepAlive);
            } else {
                ctx.executor().schedule(() -> Http.write(ctx, response, keepAlive), delay, TimeUnit.NANOSECONDS);
            }
        }

        /** Counts a call on this connection in the current cold epoch; true while it is among the first n. */
        private boolean coldOnThisConnection(ChannelHandlerContext ctx, int n) {
            int epoch = coldEpoch.get();
            int[] state = ctx.channel().attr(COLD_CALLS).get();
            if (state == null || state[0] != epoch) {
                state = new int[] {epoch, 0};
                ctx.channel().attr(COLD_CALLS).set(state);
            }
            return ++state[1] <= n; // one connection's requests are handled on its event loop, one at a time
        }

        private void record(FullHttpRequest request, String path, QueryStringDecoder decoder, long delayNanos) {
            if (recordLimit <= 0) {
                return;
            }
            String uri = decoder.uri();
            int q = uri.indexOf('?');
            String query = q < 0 ? "" : uri.substring(q + 1);
            RecordedCall call = new RecordedCall(request.method().name(), path, query, Http.headers(request),
                    Http.body(request), Instant.now(), Duration.ofNanos(delayNanos));
            synchronized (recorded) {
                if (recorded.size() >= recordLimit) {
                    recorded.removeFirst();
                }
                recorded.addLast(call);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOGGER.debug("region {}: closing connection after error", name, cause);
            ctx.close();
        }
    }
}
