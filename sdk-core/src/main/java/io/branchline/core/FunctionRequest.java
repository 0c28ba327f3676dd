package io.branchline.core;

import com.azure.core.http.HttpMethod;
import com.azure.core.util.BinaryData;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One call to an HTTP-triggered function: method, route, query, headers, body and how it may be retried.
 * Immutable and thread-safe; the same request can be sent many times.
 *
 * <pre>{@code
 * FunctionRequest get = FunctionRequest.get("/api/orders/{id}").pathParam("id", "42").build();
 * FunctionRequest post = FunctionRequest.post("/api/orders").jsonBody(order).idempotent(true).build();
 * }</pre>
 *
 * <p>GET, HEAD, PUT, DELETE and OPTIONS are idempotent by default and may be retried in another region or hedged;
 * POST and PATCH are retried only when marked {@linkplain Builder#idempotent(boolean) idempotent}, or when the
 * request certainly never reached a server. The route is kept as a template ({@code /api/orders/{id}}) for
 * low-cardinality metrics and telemetry names.
 */
public final class FunctionRequest {
    private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z0-9_]+)}");

    private final HttpMethod method;
    private final String route;
    private final String path;
    private final Map<String, String> query;
    private final Map<String, String> headers;
    private final BinaryData body;
    private final String contentType;
    private final boolean idempotent;
    private final Duration deadline;
    private final List<String> preferredRegions;
    private final Set<String> excludedRegions;
    private final Boolean hedge;
    private final String traceparent;
    private final Duration staleIfError;

    private FunctionRequest(Builder b) {
        this.staleIfError = b.staleIfError;
        this.method = b.method;
        this.route = b.route;
        this.path = b.expandPath();
        this.query = Collections.unmodifiableMap(new LinkedHashMap<>(b.query));
        this.headers = Collections.unmodifiableMap(new TreeMap<>(b.headers));
        this.body = b.body;
        this.contentType = b.contentType;
        this.idempotent = b.idempotent != null ? b.idempotent : defaultIdempotent(b.method);
        this.deadline = b.deadline;
        this.preferredRegions = List.copyOf(b.preferredRegions);
        this.excludedRegions = Collections.unmodifiableSet(new LinkedHashSet<>(b.excludedRegions));
        this.hedge = b.hedge;
        this.traceparent = b.traceparent;
    }

    /**
     * Starts a GET request.
     *
     * @param route the function's route, such as {@code /api/orders/{id}}
     * @return a builder
     */
    public static Builder get(String route) {
        return builder(HttpMethod.GET, route);
    }

    /**
     * Starts a POST request (not idempotent unless marked).
     *
     * @param route the function's route
     * @return a builder
     */
    public static Builder post(String route) {
        return builder(HttpMethod.POST, route);
    }

    /**
     * Starts a PUT request.
     *
     * @param route the function's route
     * @return a builder
     */
    public static Builder put(String route) {
        return builder(HttpMethod.PUT, route);
    }

    /**
     * Starts a DELETE request.
     *
     * @param route the function's route
     * @return a builder
     */
    public static Builder delete(String route) {
        return builder(HttpMethod.DELETE, route);
    }

    /**
     * Starts a request with any method.
     *
     * @param method the HTTP method
     * @param route the function's route, absolute path starting with {@code /}, with optional {@code {name}} parameters
     * @return a builder
     */
    public static Builder builder(HttpMethod method, String route) {
        return new Builder(method, route);
    }

    static boolean defaultIdempotent(HttpMethod m) {
        return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.PUT || m == HttpMethod.DELETE
            || m == HttpMethod.OPTIONS || m == HttpMethod.TRACE;
    }

    /** @return the HTTP method */
    public HttpMethod method() {
        return method;
    }

    /** @return the route template, such as {@code /api/orders/{id}} */
    public String route() {
        return route;
    }

    /** @return the path with parameters filled in and encoded, such as {@code /api/orders/42} */
    public String path() {
        return path;
    }

    /** @return the query parameters, in insertion order */
    public Map<String, String> query() {
        return query;
    }

    /** @return the extra request headers */
    public Map<String, String> headers() {
        return headers;
    }

    /** @return the body, or {@code null} */
    public BinaryData body() {
        return body;
    }

    /** @return the body's content type, or {@code null} */
    public String contentType() {
        return contentType;
    }

    /** @return whether the request may be sent more than once */
    public boolean isIdempotent() {
        return idempotent;
    }

    /** @return the request's own deadline for the whole call, or {@code null} for the client's default */
    public Duration deadline() {
        return deadline;
    }

    /** @return regions to try first, in order */
    public List<String> preferredRegions() {
        return preferredRegions;
    }

    /** @return regions never to call for this request */
    public Set<String> excludedRegions() {
        return excludedRegions;
    }

    /** @return whether to hedge this request, or {@code null} for the client's default */
    public Boolean hedge() {
        return hedge;
    }

    /** @return the W3C trace context of the caller to continue, or {@code null} */
    public String traceparent() {
        return traceparent;
    }

    /**
     * How stale an answer kept from an earlier call may be when every region fails for this request, overriding the
     * client's {@code staleIfError}; {@link Duration#ZERO} turns it off for this request.
     *
     * @return the allowed staleness, or {@code null} to follow the client
     */
    public Duration staleIfError() {
        return staleIfError;
    }

    /**
     * Starts a builder holding this request.
     *
     * @return a builder
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    @Override
    public String toString() {
        return "FunctionRequest{" + method + ' ' + route + (path.equals(route) ? "" : " (" + path + ')')
            + ", query=" + Redaction.queryNames(query) + ", headers=" + headers.keySet()
            + ", body=" + (body == null ? "none" : body.getLength() + " bytes") + ", idempotent=" + idempotent
            + (deadline == null ? "" : ", deadline=" + deadline)
            + (preferredRegions.isEmpty() ? "" : ", preferred=" + preferredRegions)
            + (excludedRegions.isEmpty() ? "" : ", excluded=" + excludedRegions)
            + (staleIfError == null ? "" : ", staleIfError=" + staleIfError) + '}';
    }

    /**
     * Builds a {@link FunctionRequest}.
     */
    public static final class Builder {
        private final HttpMethod method;
        private final String route;
        private final Map<String, String> pathParams = new LinkedHashMap<>();
        private final Map<String, String> query = new LinkedHashMap<>();
        private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private BinaryData body;
        private String contentType;
        private Boolean idempotent;
        private Duration deadline;
        private final List<String> preferredRegions = new ArrayList<>();
        private final Set<String> excludedRegions = new LinkedHashSet<>();
        private Boolean hedge;
        private String traceparent;
        private Duration staleIfError;
        /** The path of the request this builder was copied from, kept until a parameter changes. */
        private String copiedPath;

        private Builder(HttpMethod method, String route) {
            this.method = Objects.requireNonNull(method, "method");
            Objects.requireNonNull(route, "route");
            if (!route.startsWith("/")) {
                throw new IllegalArgumentException("Route must start with '/', such as /api/orders, was '" + route + "'");
            }
            if (route.indexOf('?') >= 0 || route.indexOf('#') >= 0) {
                throw new IllegalArgumentException("Route must not hold a query or fragment; use query(name, value)"
                    + " (and never put a function key in the URL), was '" + Redaction.url(route) + "'");
            }
            this.route = route;
        }

        private Builder(FunctionRequest r) {
            this(r.method, r.route);
            this.copiedPath = r.path;
            query.putAll(r.query);
            headers.putAll(r.headers);
            body = r.body;
            contentType = r.contentType;
            idempotent = r.idempotent;
            deadline = r.deadline;
            preferredRegions.addAll(r.preferredRegions);
            excludedRegions.addAll(r.excludedRegions);
            hedge = r.hedge;
            traceparent = r.traceparent;
            staleIfError = r.staleIfError;
        }

        /**
         * Fills a route parameter; the value is URL-encoded.
         *
         * @param name the parameter's name in the route, without braces
         * @param value its value
         * @return this builder
         */
        public Builder pathParam(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (!route.contains("{" + name + "}")) {
                throw new IllegalArgumentException("Route '" + route + "' has no parameter {" + name + "}");
            }
            if (copiedPath != null && pathParams.isEmpty()) {
                // the copied request's other parameters are not known one by one: they must be filled again
                copiedPath = null;
            }
            pathParams.put(name, value);
            return this;
        }

        /**
         * Adds a query parameter. Never pass a function key as {@code code}: set it on the region instead.
         *
         * @param name the parameter's name
         * @param value its value
         * @return this builder
         */
        public Builder query(String name, String value) {
            query.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Sets a request header.
         *
         * @param name the header's name
         * @param value its value
         * @return this builder
         */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (name.isBlank()) {
                throw new IllegalArgumentException("Header name is blank");
            }
            headers.put(name, value);
            return this;
        }

        /**
         * Sets a binary body ({@code application/octet-stream} unless a Content-Type header is set).
         *
         * @param bytes the body; copied
         * @return this builder
         */
        public Builder body(byte[] bytes) {
            this.body = BinaryData.fromBytes(Objects.requireNonNull(bytes, "bytes").clone());
            this.contentType = "application/octet-stream";
            return this;
        }

        /**
         * Sets a text body, sent as UTF-8 ({@code text/plain; charset=utf-8} unless a Content-Type header is set).
         *
         * @param text the body
         * @return this builder
         */
        public Builder body(String text) {
            this.body = BinaryData.fromBytes(Objects.requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8));
            this.contentType = "text/plain; charset=utf-8";
            return this;
        }

        /**
         * Sets a body serialised to JSON ({@code application/json}) with azure-core's default serializer.
         *
         * @param value the object to serialise
         * @return this builder
         */
        public Builder jsonBody(Object value) {
            Objects.requireNonNull(value, "value");
            this.body = BinaryData.fromBytes(BinaryData.fromObject(value).toBytes());
            this.contentType = "application/json";
            return this;
        }

        /**
         * Marks whether the request may be sent more than once (retried in another region or hedged).
         *
         * @param idempotent {@code true} when sending it twice does no harm
         * @return this builder
         */
        public Builder idempotent(boolean idempotent) {
            this.idempotent = idempotent;
            return this;
        }

        /**
         * Sets the deadline of the whole call, every attempt and wait included.
         *
         * @param deadline a positive duration
         * @return this builder
         */
        public Builder deadline(Duration deadline) {
            Objects.requireNonNull(deadline, "deadline");
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("deadline must be positive, was " + deadline);
            }
            this.deadline = deadline;
            return this;
        }

        /**
         * Names regions to try first, in this order, when they are available.
         *
         * @param regions region names
         * @return this builder
         */
        public Builder preferRegions(String... regions) {
            for (String r : regions) {
                preferredRegions.add(Objects.requireNonNull(r, "region"));
            }
            return this;
        }

        /**
         * Names regions never to call for this request.
         *
         * @param regions region names
         * @return this builder
         */
        public Builder excludeRegions(String... regions) {
            for (String r : regions) {
                excludedRegions.add(Objects.requireNonNull(r, "region"));
            }
            return this;
        }

        /**
         * Turns hedging on or off for this request (only idempotent requests are ever hedged).
         *
         * @param hedge {@code true} to allow a hedged second attempt
         * @return this builder
         */
        public Builder hedge(boolean hedge) {
            this.hedge = hedge;
            return this;
        }

        /**
         * Allows this GET request to be answered from the stale-if-error cache when every region fails (RFC 5861):
         * with the answer of an earlier call that is at most this much older than its freshness allowed, marked
         * stale ({@code FunctionResponse.isStale()}, {@code Age}, {@code Warning}). The function's own
         * {@code Cache-Control} ({@code no-store}, {@code private}, {@code stale-if-error=N}) is honoured. Overrides the
         * client's setting; {@link Duration#ZERO} turns it off. Only GET requests are ever answered stale.
         *
         * @param maxStale the allowed staleness, not negative
         * @return this builder
         * @throws IllegalArgumentException if {@code maxStale} is negative
         */
        public Builder staleIfError(Duration maxStale) {
            Objects.requireNonNull(maxStale, "maxStale");
            if (maxStale.isNegative()) {
                throw new IllegalArgumentException("staleIfError must not be negative, was " + maxStale);
            }
            this.staleIfError = maxStale;
            return this;
        }

        /**
         * Continues the caller's W3C trace: the call becomes a child span of this {@code traceparent}.
         *
         * @param traceparent a header value such as {@code 00-<32 hex>-<16 hex>-01}
         * @return this builder
         */
        public Builder traceparent(String traceparent) {
            Objects.requireNonNull(traceparent, "traceparent");
            if (!TraceContext.isValid(traceparent)) {
                throw new IllegalArgumentException("traceparent must look like 00-<32 hex>-<16 hex>-<2 hex>, was '"
                    + traceparent + "'");
            }
            this.traceparent = traceparent;
            return this;
        }

        /**
         * Builds the request.
         *
         * @return the immutable request
         * @throws IllegalStateException when a route parameter was not filled
         */
        public FunctionRequest build() {
            return new FunctionRequest(this);
        }

        private String expandPath() {
            if (copiedPath != null) {
                return copiedPath;
            }
            Matcher m = PARAM.matcher(route);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String v = pathParams.get(m.group(1));
                if (v == null) {
                    throw new IllegalStateException("Route parameter {" + m.group(1) + "} of '" + route
                        + "' has no value: call pathParam(\"" + m.group(1) + "\", value)");
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(
                    URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20")));
            }
            m.appendTail(sb);
            return sb.toString();
        }
    }
}
