package io.branchline.core;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import io.branchline.core.spi.StaleResponseCache;
import io.branchline.core.spi.StoredResponse;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Stale-if-error for idempotent reads (RFC 5861 on RFC 9111): keeps the answers to GET requests that the function
 * lets a shared cache keep, and when every region fails for such a request, answers with the kept one while it is
 * within the allowed staleness, marked with {@code Age} and {@code Warning: 110, 111}.
 *
 * <p>Stored: GET, status 200, no {@code Authorization} header on the request (unless allowed), no {@code no-store}
 * on the request, and an answer without {@code no-store}, {@code private}, {@code no-cache}, {@code must-revalidate},
 * {@code proxy-revalidate} or {@code Vary: *}. Usable for: the answer's freshness ({@code max-age}) plus the allowed
 * staleness, which is the request's or the client's setting, narrowed by the answer's own {@code stale-if-error=N}.
 * Served for: no answer at all (refused, unreachable, timed out) or 500, 502, 503, 504 from every region tried.
 *
 * <p>Thread-safe: the store is; everything else is immutable.
 */
final class StaleIfError implements AutoCloseable {
    static final HttpHeaderName CACHE_CONTROL = HttpHeaderName.CACHE_CONTROL;
    static final HttpHeaderName AGE = HttpHeaderName.fromString("Age");
    static final HttpHeaderName WARNING = HttpHeaderName.fromString("Warning");
    static final HttpHeaderName VARY = HttpHeaderName.fromString("Vary");
    /** RFC 7234 warn-codes (kept by RFC 9111 as obsolete but still understood): stale, and revalidation failed. */
    static final String WARNING_VALUE = "110 - \"Response is Stale\", 111 - \"Revalidation Failed\"";

    private final StaleResponseCache cache;
    private final Duration clientMaxStale;
    private final boolean cacheAuthorized;
    private final Clock clock;

    StaleIfError(StaleResponseCache cache, Duration clientMaxStale, boolean cacheAuthorized, Clock clock) {
        this.cache = cache;
        this.clientMaxStale = clientMaxStale;
        this.cacheAuthorized = cacheAuthorized;
        this.clock = clock;
    }

    StaleResponseCache cache() {
        return cache;
    }

    private Duration allowed(FunctionRequest request) {
        Duration d = request.staleIfError();
        return d != null ? d : clientMaxStale;
    }

    static String key(FunctionRequest request) {
        if (request.query().isEmpty()) {
            return request.path();
        }
        StringBuilder sb = new StringBuilder(request.path());
        char sep = '?';
        for (Map.Entry<String, String> q : request.query().entrySet()) {
            // a ?code= function key is never part of a key kept in memory
            sb.append(sep).append(q.getKey()).append('=').append(q.getKey().equals("code") ? "" : q.getValue());
            sep = '&';
        }
        return sb.toString();
    }

    /** A call succeeded: keep its answer when the request and the answer allow it. */
    void store(FunctionRequest request, FunctionResponse response) {
        Duration allowed = allowed(request);
        if (allowed == null || allowed.isZero() || request.method() != HttpMethod.GET || response.statusCode() != 200) {
            return;
        }
        if (!cacheAuthorized && header(request, "Authorization") != null) {
            return;
        }
        String requestCc = header(request, "Cache-Control");
        if (requestCc != null && directives(requestCc).containsKey("no-store")) {
            return;
        }
        String key = key(request);
        HttpHeaders headers = response.rawHeaders();
        Map<String, String> cc = directives(headers.getValue(CACHE_CONTROL));
        String vary = headers.getValue(VARY);
        if (cc.containsKey("no-store") || cc.containsKey("private") || cc.containsKey("no-cache")
            || cc.containsKey("must-revalidate") || cc.containsKey("proxy-revalidate")
            || vary != null && vary.trim().equals("*")) {
            cache.remove(key);
            return;
        }
        Map<String, String> varied = Map.of();
        if (vary != null) {
            varied = new LinkedHashMap<>();
            for (String name : vary.split(",")) {
                String n = name.trim().toLowerCase(Locale.ROOT);
                if (!n.isEmpty()) {
                    String v = header(request, n);
                    varied.put(n, v == null ? "" : v);
                }
            }
        }
        Duration window = allowed;
        Duration fromFunction = seconds(cc.get("stale-if-error"));
        if (fromFunction != null && fromFunction.compareTo(window) < 0) {
            window = fromFunction;
        }
        Duration fresh = seconds(cc.get("max-age"));
        Duration keepFor = fresh == null ? window : window.plus(fresh);
        Duration arrivedAge = seconds(headers.getValue(AGE));
        Instant storedAt = clock.instant().minus(arrivedAge == null ? Duration.ZERO : arrivedAge);
        cache.put(key, new StoredResponse(response.statusCode(), headers, response.rawBody(), response.region().name(),
            storedAt, varied, keepFor));
    }

    /** Whether a failure is one stale-if-error answers for: no answer at all, or 500, 502, 503, 504. */
    static boolean isError(FunctionCallException e) {
        int s = e.statusCode();
        return s == 0 || s == 500 || s == 502 || s == 503 || s == 504;
    }

    /**
     * Every region failed: the kept answer, marked stale, when one is within the allowed staleness; else null.
     */
    FunctionResponse serve(FunctionRequest request, FunctionCallException error, RoutePlan plan, long durationNanos,
        java.util.List<Region> regions) {
        Duration allowed = allowed(request);
        if (allowed == null || allowed.isZero() || request.method() != HttpMethod.GET || !isError(error)) {
            return null;
        }
        StoredResponse s = cache.get(key(request));
        if (s == null) {
            return null;
        }
        for (Map.Entry<String, String> v : s.vary().entrySet()) {
            String now = header(request, v.getKey());
            if (!v.getValue().equals(now == null ? "" : now)) {
                return null;
            }
        }
        Duration age = Duration.between(s.storedAt(), clock.instant());
        if (age.isNegative()) {
            age = Duration.ZERO;
        }
        Duration fresh = seconds(directives(s.headers().getValue(CACHE_CONTROL)).get("max-age"));
        Duration limit = fresh == null ? allowed : allowed.plus(fresh);
        if (age.compareTo(limit) > 0 || age.compareTo(s.keepFor()) > 0) {
            return null;
        }
        HttpHeaders headers = new HttpHeaders(s.headers());
        headers.set(AGE, Long.toString(age.toSeconds()));
        headers.set(WARNING, WARNING_VALUE);
        Region region = regions.get(0);
        for (Region r : regions) {
            if (r.name().equals(s.region())) {
                region = r;
                break;
            }
        }
        return new FunctionResponse(s.statusCode(), headers, s.body(), region, error.attempts(), durationNanos, plan,
            Duration.ofSeconds(age.toSeconds()), error);
    }

    private static String header(FunctionRequest request, String name) {
        for (Map.Entry<String, String> h : request.headers().entrySet()) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }

    /** Cache-Control directives, lower-cased, with their values unquoted (or "" when they have none). */
    static Map<String, String> directives(String value) {
        if (value == null || value.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String name = (eq < 0 ? p : p.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            String v = eq < 0 ? "" : p.substring(eq + 1).trim().replace("\"", "");
            out.putIfAbsent(name, v);
        }
        return out;
    }

    /** A delta-seconds value, or null when absent or malformed (RFC 9111 1.2.2: then it is ignored). */
    static Duration seconds(String v) {
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            long n = Long.parseLong(v.trim());
            return n < 0 ? null : Duration.ofSeconds(n);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public void close() {
        try {
            cache.close();
        } catch (Exception ignored) {
            // nothing to release that matters once the client is gone
        }
    }
}
