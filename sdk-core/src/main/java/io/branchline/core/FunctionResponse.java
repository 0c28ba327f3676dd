package io.branchline.core;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.util.BinaryData;
import com.azure.core.util.serializer.TypeReference;
import io.branchline.core.models.Attempt;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The answer of a function: status, headers and body, with the region that served it, every attempt made and the
 * {@link #route() route} (why the call went where it went). Immutable; the body is fully read.
 *
 * <p>A response {@link #isStale() served stale} came from the stale-if-error cache because every region failed: it
 * carries the {@code Age} and {@code Warning} headers (RFC 9111, RFC 5861), its {@link #age()}, and the failure it
 * stands in for ({@link #staleCause()}).
 */
public final class FunctionResponse {
    private final int statusCode;
    private final HttpHeaders headers;
    private final byte[] body;
    private final Region region;
    private final List<Attempt> attempts;
    private final long durationNanos;
    private final RoutePlan plan;
    private final Duration age;
    private final FunctionCallException staleCause;
    /** Built on first read; a race builds it twice, harmlessly. */
    private Route route;

    FunctionResponse(int statusCode, HttpHeaders headers, byte[] body, Region region, List<Attempt> attempts,
        long durationNanos, RoutePlan plan) {
        this(statusCode, headers, body, region, attempts, durationNanos, plan, null, null);
    }

    FunctionResponse(int statusCode, HttpHeaders headers, byte[] body, Region region, List<Attempt> attempts,
        long durationNanos, RoutePlan plan, Duration age, FunctionCallException staleCause) {
        this.statusCode = statusCode;
        this.headers = headers;
        this.body = body;
        this.region = region;
        this.attempts = List.copyOf(attempts);
        this.durationNanos = durationNanos;
        this.plan = plan;
        this.age = age;
        this.staleCause = staleCause;
    }

    /**
     * Why the call went where it went: the plan (each region with its score and reason, and those left out) and why
     * each attempt was sent. Built when first read, from the plan and the attempts: free for calls that never read
     * it.
     *
     * @return the route
     */
    public Route route() {
        Route r = route;
        if (r == null) {
            r = Route.of(plan, attempts, isStale());
            route = r;
        }
        return r;
    }

    /**
     * Whether this answer came from the stale-if-error cache because every region failed (see
     * {@code FunctionClientBuilder.staleIfError}); its {@code Warning} header then says {@code 110} and {@code 111}.
     *
     * @return {@code true} for a stale answer
     */
    public boolean isStale() {
        return staleCause != null;
    }

    /**
     * How old a stale answer is: the time since a region gave it (its {@code Age} header, in whole seconds).
     *
     * @return the age, or {@link Duration#ZERO} for a fresh answer
     */
    public Duration age() {
        return age == null ? Duration.ZERO : age;
    }

    /**
     * The failure a stale answer stands in for: what the call would have thrown without the stale-if-error cache.
     *
     * @return the failure, or {@code null} for a fresh answer
     */
    public FunctionCallException staleCause() {
        return staleCause;
    }

    HttpHeaders rawHeaders() {
        return headers;
    }

    byte[] rawBody() {
        return body;
    }

    /** @return the HTTP status */
    public int statusCode() {
        return statusCode;
    }

    /**
     * A response header.
     *
     * @param name the header's name, any case
     * @return its value, or {@code null}
     */
    public String header(String name) {
        return headers.getValue(HttpHeaderName.fromString(name));
    }

    /** @return a copy of the response headers */
    public HttpHeaders headers() {
        return new HttpHeaders(headers);
    }

    /** @return the Content-Type header, or {@code null} */
    public String contentType() {
        return headers.getValue(HttpHeaderName.CONTENT_TYPE);
    }

    /** @return a copy of the body bytes */
    public byte[] body() {
        return body.clone();
    }

    /** @return the body length in bytes */
    public int bodyLength() {
        return body.length;
    }

    /** @return the body decoded with the charset of its Content-Type, UTF-8 by default */
    public String bodyAsString() {
        return new String(body, charset());
    }

    /**
     * Deserialises the JSON body.
     *
     * @param type the expected type
     * @param <T> the expected type
     * @return the value
     * @throws FunctionCallException when the body is not JSON of that type; the message names the status, content
     *     type and the first bytes of the body
     */
    public <T> T bodyAs(Class<T> type) {
        return bodyAs(TypeReference.createInstance(type));
    }

    /**
     * Deserialises the JSON body into a generic type.
     *
     * @param type the expected type
     * @param <T> the expected type
     * @return the value
     * @throws FunctionCallException when the body is not JSON of that type
     */
    public <T> T bodyAs(TypeReference<T> type) {
        try {
            return BinaryData.fromBytes(body).toObject(type);
        } catch (RuntimeException e) {
            throw new FunctionCallException("Response from region '" + region.name() + "' (status " + statusCode
                + ", Content-Type " + contentType() + ") is not JSON of type " + type.getJavaType().getTypeName()
                + ": " + e.getClass().getSimpleName() + "; body starts with: " + preview(), null, region.name(),
                statusCode, attempts, e);
        }
    }

    /** @return the region that served the response (for a stale answer: the region that served it first) */
    public Region region() {
        return region;
    }

    /** @return every attempt of the call, in the order they started; the last successful one served this response */
    public List<Attempt> attempts() {
        return attempts;
    }

    /** @return whether the call was served by another region than its first attempt's */
    public boolean failedOver() {
        return !attempts.isEmpty() && !attempts.get(0).region().equals(region.name());
    }

    /** @return whether a hedged attempt was sent */
    public boolean hedged() {
        for (Attempt a : attempts) {
            if (a.hedged()) {
                return true;
            }
        }
        return false;
    }

    /** @return the call's duration, every attempt and wait included */
    public Duration duration() {
        return Duration.ofNanos(durationNanos);
    }

    String preview() {
        int n = Math.min(body.length, 64);
        String s = new String(body, 0, n, charset()).replaceAll("[\\p{Cntrl}&&[^\\t]]", "?");
        return '"' + s + (body.length > n ? "...\" (" + body.length + " bytes)" : "\"");
    }

    private Charset charset() {
        String ct = contentType();
        if (ct != null) {
            int i = ct.toLowerCase(Locale.ROOT).indexOf("charset=");
            if (i >= 0) {
                String cs = ct.substring(i + 8).split("[;,\\s]")[0].replace("\"", "");
                try {
                    return Charset.forName(cs);
                } catch (RuntimeException ignored) {
                    return StandardCharsets.UTF_8;
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    @Override
    public String toString() {
        return "FunctionResponse{status=" + statusCode + ", region=" + region.name() + ", bodyBytes=" + body.length
            + ", attempts=" + attempts.size() + ", duration=" + durationNanos / 1_000_000 + "ms"
            + (isStale() ? ", stale, age=" + age.toSeconds() + "s" : "") + '}';
    }
}
