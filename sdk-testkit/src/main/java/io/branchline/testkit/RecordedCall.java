package io.branchline.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;

/**
 * One HTTP request received by a {@link SimulatedRegion}, as recorded by {@link SimulatedRegion#recordedRequests()}.
 * Immutable.
 */
public final class RecordedCall {
    private final String method;
    private final String path;
    private final String query;
    private final Map<String, String> headers;
    private final byte[] body;
    private final Instant receivedAt;
    private final Duration injectedDelay;

    RecordedCall(String method, String path, String query, Map<String, String> headers, byte[] body,
            Instant receivedAt, Duration injectedDelay) {
        this.method = method;
        this.path = path;
        this.query = query;
        this.headers = Collections.unmodifiableMap(headers);
        this.body = body;
        this.receivedAt = receivedAt;
        this.injectedDelay = injectedDelay;
    }

    /**
     * The request method.
     *
     * @return the method, for example {@code GET}
     */
    public String method() {
        return method;
    }

    /**
     * The raw request path, without the query.
     *
     * @return the path, for example {@code /api/orders}
     */
    public String path() {
        return path;
    }

    /**
     * The raw query string without the leading {@code ?}.
     *
     * @return the query, empty when there was none
     */
    public String query() {
        return query;
    }

    /**
     * All request headers; lookups ignore case and repeated headers are joined with {@code ", "}.
     *
     * @return an unmodifiable, case-insensitive map
     */
    public Map<String, String> headers() {
        return headers;
    }

    /**
     * One request header, looked up ignoring case.
     *
     * @param name the header name
     * @return the value, or {@code null} when absent
     */
    public String header(String name) {
        return headers.get(name);
    }

    /**
     * The request body.
     *
     * @return a copy of the body bytes, empty when there was none
     */
    public byte[] body() {
        return body.clone();
    }

    /**
     * The request body decoded as UTF-8.
     *
     * @return the body text
     */
    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * When the request was fully received.
     *
     * @return the wall-clock instant
     */
    public Instant receivedAt() {
        return receivedAt;
    }

    /**
     * The delay the simulator scheduled before answering: base latency plus tail and cold-start delays. Zero for
     * requests that were not answered (blackhole).
     *
     * @return the injected delay
     */
    public Duration injectedDelay() {
        return injectedDelay;
    }

    /**
     * Describes the call, for example {@code GET /api/orders?x=1}.
     *
     * @return the description
     */
    @Override
    public String toString() {
        return method + " " + path + (query.isEmpty() ? "" : "?" + query);
    }
}
