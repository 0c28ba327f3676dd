package io.branchline.core;

import com.azure.core.annotation.ServiceClient;
import com.azure.core.util.Context;
import io.branchline.core.models.RegionStatus;
import reactor.core.Exceptions;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * Calls HTTP-triggered functions deployed in several regions with plain blocking calls. Immutable and
 * thread-safe; build it with {@link FunctionClientBuilder#buildClient()} and close it when done.
 *
 * <pre>{@code
 * try (FunctionClient client = new FunctionClientBuilder()
 *         .endpoint("https://orders-we.azurewebsites.net").functionKey(key).buildClient()) {
 *     FunctionResponse r = client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "42").build());
 *     Order order = r.bodyAs(Order.class);
 * }
 * }</pre>
 */
@ServiceClient(builder = FunctionClientBuilder.class)
public final class FunctionClient implements AutoCloseable {
    /**
     * How long a blocking call may wait past its deadline before it gives up on its own: {@value #BLOCKING_MARGIN_MS}
     * ms. Calls end by their deadline inside the client; this only bounds the wait should that ever fail.
     */
    static final long BLOCKING_MARGIN_MS = 1000;
    private static final long BLOCKING_MARGIN_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(BLOCKING_MARGIN_MS);
    private final FunctionAsyncClient async;

    FunctionClient(FunctionAsyncClient async) {
        this.async = async;
    }

    /**
     * Calls a function and waits for the answer: at most the call's deadline (the request's, else
     * {@code timeout.call}), however the call fails.
     *
     * @param request the request
     * @return the response of a region that answered 2xx or 3xx
     * @throws FunctionCallException when the call failed; it tells which regions were tried and why each failed
     * @throws NoRegionAvailableException when no region could serve the call
     */
    public FunctionResponse invoke(FunctionRequest request) {
        return invoke(request, Context.NONE);
    }

    /**
     * Calls a function, passing an azure-core context down the pipeline.
     *
     * @param request the request
     * @param context the context
     * @return the response
     * @throws FunctionCallException when the call failed
     */
    public FunctionResponse invoke(FunctionRequest request, Context context) {
        Objects.requireNonNull(request, "request");
        return async.core().executor.executeBlocking(request, context, BLOCKING_MARGIN_NANOS);
    }

    /** @return the configured regions, in configuration order */
    public List<Region> regions() {
        return async.regions();
    }

    /** @return what the router knows about each region now */
    public List<RegionStatus> regionStatus() {
        return async.regionStatus();
    }

    /**
     * Waits until the router has ranked the regions, so that calls go to the nearest region from the first one:
     * about a second after the client is built with {@code branchline-routing}'s router, at once with a router that
     * measures nothing. Short-lived programs (a batch job, a command run from cron) call this before their first
     * call; calls made earlier still work, on the ranking known so far.
     *
     * @param timeout the longest wait
     * @return whether the client is ready; {@code false} when the timeout passed first
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public boolean awaitReady(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        }
        try {
            async.ready().timeout(timeout).block();
            return true;
        } catch (RuntimeException e) {
            if (Exceptions.unwrap(e) instanceof TimeoutException) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Closes the client. Calls still in flight end at once with a {@link FunctionCallException} saying the client
     * was closed (their connections are closed; an answer that arrives later is discarded); calls made afterwards
     * throw {@link IllegalStateException}. Stops the router's probes, releases pooled connections and this client's
     * hold on the process-wide timer thread. Idempotent.
     */
    @Override
    public void close() {
        async.close();
    }

    @Override
    public String toString() {
        return "FunctionClient{" + async + '}';
    }
}
