package io.branchline.testkit;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;

/**
 * One HTTP request received by an {@link IngestionEndpoint}, with the status it was answered. Immutable.
 */
public final class IngestionRequest {
    private final String method;
    private final String path;
    private final Map<String, String> headers;
    private final int bodySize;
    private final String body;
    private final int itemCount;
    private final int status;
    private final Instant receivedAt;

    IngestionRequest(String method, String path, Map<String, String> headers, int bodySize, String body,
            int itemCount, int status, Instant receivedAt) {
        this.method = method;
        this.path = path;
        this.headers = Collections.unmodifiableMap(headers);
        this.bodySize = bodySize;
        this.body = body;
        this.itemCount = itemCount;
        this.status = status;
        this.receivedAt = receivedAt;
    }

    /**
     * The request method.
     *
     * @return normally {@code POST}
     */
    public String method() {
        return method;
    }

    /**
     * The request path and query.
     *
     * @return for example {@code /v2.1/track}
     */
    public String path() {
        return path;
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
     * One request header, looked up ignoring case, for example {@code Content-Encoding} or {@code Authorization}.
     *
     * @param name the header name
     * @return the value, or {@code null} when absent
     */
    public String header(String name) {
        return headers.get(name);
    }

    /**
     * The size of the body as sent on the wire, before un-gzipping.
     *
     * @return the raw body size in bytes
     */
    public int bodySize() {
        return bodySize;
    }

    /**
     * The body after un-gzipping, decoded as UTF-8.
     *
     * @return the body text, empty when it could not be decoded
     */
    public String body() {
        return body;
    }

    /**
     * How many telemetry items the body held.
     *
     * @return the item count, 0 when the body could not be parsed
     */
    public int itemCount() {
        return itemCount;
    }

    /**
     * The HTTP status the endpoint answered.
     *
     * @return for example 200, 206, 400 or 429
     */
    public int status() {
        return status;
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
     * Describes the request.
     *
     * @return for example {@code POST /v2.1/track items=3 -> 200}
     */
    @Override
    public String toString() {
        return method + " " + path + " items=" + itemCount + " -> " + status;
    }
}
