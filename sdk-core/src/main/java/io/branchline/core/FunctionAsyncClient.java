package io.branchline.core;

import com.azure.core.annotation.ServiceClient;
import com.azure.core.util.Context;
import io.branchline.core.models.RegionStatus;
import reactor.core.publisher.Mono;

import java.util.List;
import java.util.Objects;

/**
 * Calls HTTP-triggered functions deployed in several regions, the Reactor way: every call returns a cold
 * {@link Mono} that runs the call when subscribed. Immutable and thread-safe; build it with
 * {@link FunctionClientBuilder#buildAsyncClient()} and close it when done.
 *
 * <p>Non-2xx answers end the {@code Mono} with a {@link FunctionCallException}; when no region can serve the call,
 * with a {@link NoRegionAvailableException}.
 *
 * <p><strong>Calling a function</strong></p>
 *
 * <!-- src_embed io.branchline.core.FunctionAsyncClient -->
 * <pre>
 * FunctionAsyncClient client = new FunctionClientBuilder&#40;&#41;
 *     .region&#40;&quot;westeurope&quot;, &quot;https:&#47;&#47;orders-we.azurewebsites.net&quot;&#41;
 *     .region&#40;&quot;northeurope&quot;, &quot;https:&#47;&#47;orders-ne.azurewebsites.net&quot;&#41;
 *     .functionKey&#40;System.getenv&#40;&quot;ORDERS_FUNCTION_KEY&quot;&#41;&#41;
 *     .buildAsyncClient&#40;&#41;;
 * &#47;&#47; Nothing is sent until the Mono is subscribed; errors arrive as FunctionCallException.
 * Mono&lt;String&gt; order = client.invoke&#40;FunctionRequest.get&#40;&quot;&#47;api&#47;orders&#47;&#123;id&#125;&quot;&#41;.pathParam&#40;&quot;id&quot;, &quot;42&quot;&#41;.build&#40;&#41;&#41;
 *     .map&#40;FunctionResponse::bodyAsString&#41;
 *     .onErrorResume&#40;FunctionCallException.class,
 *         e -&gt; e.statusCode&#40;&#41; == 404 ? Mono.empty&#40;&#41; : Mono.error&#40;e&#41;&#41;;
 * </pre>
 * <!-- end io.branchline.core.FunctionAsyncClient -->
 */
@ServiceClient(builder = FunctionClientBuilder.class, isAsync = true)
public final class FunctionAsyncClient implements AutoCloseable {
    private final ClientCore core;

    FunctionAsyncClient(ClientCore core) {
        this.core = core;
    }

    /**
     * Calls a function.
     *
     * @param request the request
     * @return the response, emitted when a region answered with 2xx or 3xx
     */
    public Mono<FunctionResponse> invoke(FunctionRequest request) {
        return invoke(request, Context.NONE);
    }

    /**
     * Calls a function, passing an azure-core context down the pipeline.
     *
     * @param request the request
     * @param context the context
     * @return the response
     */
    public Mono<FunctionResponse> invoke(FunctionRequest request, Context context) {
        Objects.requireNonNull(request, "request");
        return core.executor.execute(request, context);
    }

    ClientCore core() {
        return core;
    }

    /** @return the configured regions, in configuration order */
    public List<Region> regions() {
        return core.regions;
    }

    /** @return what the router knows about each region now */
    public List<RegionStatus> regionStatus() {
        return core.router.status();
    }

    /**
     * Completes when the router has ranked the regions, so that calls go to the nearest region from the first one.
     * With {@code branchline-routing}'s router that takes about a second after the client is built (quick probe
     * rounds); with a router that measures nothing, or once closed, it completes at once. Never fails.
     *
     * @return a {@code Mono} completing empty when the client is ready
     */
    public Mono<Void> ready() {
        return core.router.ready().onErrorResume(e -> Mono.empty());
    }

    /**
     * Closes the client. Calls still in flight end at once with a {@link FunctionCallException} saying the client
     * was closed (their connections are closed; an answer that arrives later is discarded); calls subscribed
     * afterwards fail with {@link IllegalStateException}. Stops the router's probes, releases pooled connections and
     * this client's hold on the process-wide timer thread. Idempotent.
     */
    @Override
    public void close() {
        core.close();
    }

    @Override
    public String toString() {
        return "FunctionAsyncClient{regions=" + core.regions + ", router=" + core.router.getClass().getSimpleName() + '}';
    }
}
