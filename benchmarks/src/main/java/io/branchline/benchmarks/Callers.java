package io.branchline.benchmarks;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import io.branchline.core.CallListener;
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.testkit.SimulatedRegion;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.functions.CheckedSupplier;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The three clients of the scenarios behind one blocking interface. */
final class Callers {
    static final String PATH = "/api/orders/42";
    /** Why Branchline calls failed, by the first words of the error, to explain a scenario's figures. */
    static final Map<String, java.util.concurrent.atomic.LongAdder> FAILURES = new java.util.concurrent.ConcurrentHashMap<>();

    private Callers() {
    }

    /** How one call ended: the region that answered it ({@code -1} when it failed). */
    interface Caller extends AutoCloseable {
        /** @return index of the region that served the call, or -1 when the call failed */
        int call();

        @Override
        void close();
    }

    static int indexOf(List<SimulatedRegion> regions, String name) {
        for (int i = 0; i < regions.size(); i++) {
            if (regions.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Branchline: FunctionClient with the NearestRegionRouter. */
    static Caller branchline(List<SimulatedRegion> regions, CallListener... listeners) {
        FunctionClient client = Clients.branchline(regions, Clients.router(), listeners);
        FunctionRequest request = FunctionRequest.get(PATH).build();
        return new Caller() {
            @Override
            public int call() {
                try {
                    FunctionResponse r = client.invoke(request);
                    return indexOf(regions, r.region().name());
                } catch (FunctionCallException e) {
                    String m = String.valueOf(e.getMessage());
                    int cut = m.indexOf("; attempts:");
                    String why = (cut > 0 ? m.substring(0, cut) : m) + " | last: " + (e.attempts().isEmpty() ? "none"
                        : e.attempts().get(e.attempts().size() - 1).describe().replaceAll("after \\d+ ms", ""));
                    FAILURES.computeIfAbsent(why, k -> new java.util.concurrent.atomic.LongAdder()).increment();
                    return -1;
                }
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }

    /** Baseline 1: a bare azure-core Netty client always calling the nearest (first) region. */
    static Caller bare(List<SimulatedRegion> regions) {
        HttpClient http = Clients.bare();
        String url = regions.get(0).baseUrl() + PATH;
        return new Caller() {
            @Override
            public int call() {
                try {
                    int status = send(http, url);
                    return status >= 200 && status < 400 ? 0 : -1;
                } catch (RuntimeException e) {
                    return -1;
                }
            }

            @Override
            public void close() {
            }
        };
    }

    /** Sends one GET, reads the body, returns the status. */
    static int send(HttpClient http, String url) {
        Integer status = http.send(new HttpRequest(HttpMethod.GET, url))
            .flatMap(resp -> resp.getBodyAsByteArray().defaultIfEmpty(new byte[0]).map(b -> resp.getStatusCode())
                .doFinally(s -> resp.close()))
            .block();
        return status == null ? 0 : status;
    }

    /** A non-2xx answer, thrown so that the breaker and the retry see it. */
    static final class HttpStatusException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HttpStatusException(int status) {
            super("HTTP " + status, null, false, false);
        }
    }

    /**
     * Baseline 2: the bare client wrapped by hand in resilience4j, the way a careful team would: one circuit breaker
     * per region (count window 20, at least 10 calls, opens at 50 % failures or slow calls over 1 s, 5 s open,
     * 3 half-open trials, automatic half-open) and a retry of 3 attempts walking the region list in order (next
     * region at each attempt; 50 ms back-off doubling, none after a breaker refused), retrying I/O errors,
     * timeouts, 5xx, 429 and open circuits. Each attempt has the client's 2 s response timeout.
     */
    static Caller resilience4j(List<SimulatedRegion> regions) {
        HttpClient http = Clients.bare();
        CircuitBreakerConfig cbConfig = CircuitBreakerConfig.custom()
            .slidingWindow(20, 10, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(50)
            .slowCallDurationThreshold(Duration.ofSeconds(1))
            .slowCallRateThreshold(50)
            .waitDurationInOpenState(Duration.ofSeconds(5))
            .permittedNumberOfCallsInHalfOpenState(3)
            .automaticTransitionFromOpenToHalfOpenEnabled(true)
            .build();
        List<CircuitBreaker> breakers = new ArrayList<>();
        for (SimulatedRegion r : regions) {
            breakers.add(CircuitBreaker.of(r.name(), cbConfig));
        }
        IntervalBiFunction<Object> backoff = (attempt, either) -> {
            if (either != null && either.isLeft() && either.getLeft() instanceof CallNotPermittedException) {
                return 0L;
            }
            return 50L << Math.min(4, attempt - 1);
        };
        RetryConfig retryConfig = RetryConfig.custom()
            .maxAttempts(Math.min(3, regions.size()))
            .intervalBiFunction(backoff)
            .retryExceptions(Exception.class)
            .build();
        int n = regions.size();
        List<String> urls = new ArrayList<>();
        for (SimulatedRegion r : regions) {
            urls.add(r.baseUrl() + PATH);
        }
        Retry retry = Retry.of("regions", retryConfig);
        return new Caller() {
            @Override
            public int call() {
                AtomicInteger attempt = new AtomicInteger();
                CheckedSupplier<Integer> one = () -> {
                    int i = attempt.getAndIncrement() % n;
                    return breakers.get(i).executeCheckedSupplier(() -> {
                        int status = send(http, urls.get(i));
                        if (status >= 200 && status < 400) {
                            return i;
                        }
                        throw new HttpStatusException(status);
                    });
                };
                try {
                    return Retry.decorateCheckedSupplier(retry, one).get();
                } catch (Throwable e) {
                    return -1;
                }
            }

            @Override
            public void close() {
            }
        };
    }

    static Map<String, String> descriptions() {
        return Map.of(
            "branchline", "FunctionClient + " + Clients.describeRouter(),
            "bare", "azure-core NettyAsyncHttpClient, connect 1 s, response 2 s, always the nearest region",
            "resilience4j", "the bare client + CircuitBreaker per region (window 20, min 10 calls, 50 % failure or"
                + " slow > 1 s, open 5 s, 3 half-open trials) + Retry (3 attempts walking the region list,"
                + " 50 ms back-off doubling, 0 after CallNotPermitted)");
    }
}
