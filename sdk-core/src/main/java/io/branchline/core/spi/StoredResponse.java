package io.branchline.core.spi;

import com.azure.core.http.HttpHeaders;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One answer kept for stale-if-error: what a region said, when, and for how long it may stand in for a failure.
 * The body and headers are never modified after construction; stores must not modify them either.
 *
 * @param statusCode the status
 * @param headers the response headers
 * @param body the body
 * @param region the region that gave it
 * @param storedAt when it was received, by the client's clock (less any {@code Age} it arrived with)
 * @param vary the request headers named by the answer's {@code Vary}, lower-cased, with the request's values
 * @param keepFor how long after {@code storedAt} it may be served: freshness plus the stale-if-error window
 */
public record StoredResponse(int statusCode, HttpHeaders headers, byte[] body, String region, Instant storedAt,
    Map<String, String> vary, Duration keepFor) {

    /**
     * Validates the fields.
     *
     * @param statusCode the status
     * @param headers the headers
     * @param body the body
     * @param region the region
     * @param storedAt when it was received
     * @param vary the Vary'd request headers
     * @param keepFor how long it may be served
     */
    public StoredResponse {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(storedAt, "storedAt");
        Objects.requireNonNull(vary, "vary");
        Objects.requireNonNull(keepFor, "keepFor");
    }

    /**
     * The bytes it holds, for a store's size limit: body, headers and a fixed overhead.
     *
     * @return an estimate in bytes
     */
    public long weight() {
        long w = 128L + body.length;
        for (com.azure.core.http.HttpHeader h : headers) {
            w += 32L + h.getName().length() + (h.getValue() == null ? 0 : h.getValue().length());
        }
        return w;
    }

    @Override
    public String toString() {
        return "StoredResponse{status=" + statusCode + ", region=" + region + ", bodyBytes=" + body.length
            + ", storedAt=" + storedAt + ", keepFor=" + keepFor + '}';
    }
}
