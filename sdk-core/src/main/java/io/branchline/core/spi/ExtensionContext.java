package io.branchline.core.spi;

import com.azure.core.http.HttpClient;
import io.branchline.core.CallListener;
import io.branchline.core.Region;
import io.branchline.core.RegionRouter;
import io.branchline.core.models.RegionStatus;

import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

/**
 * A client being built, as a {@link ClientExtension} sees it. Settings made on the builder win: an extension only
 * sets a router when {@link #hasRouter()} is false, and only adds a listener of a kind the application did not add.
 */
public interface ExtensionContext {
    /** @return the settings the client is built from */
    SettingSource settings();

    /** @return the client's regions, in configuration order */
    List<Region> regions();

    /** @return the client's clock */
    Clock clock();

    /**
     * The HTTP client the client's calls go through (proxy, TLS trust, DNS refresh and timeouts of the client),
     * without authentication, for a module that sends requests of its own, such as telemetry. It stays open as long
     * as the client; {@code null} when the application gave a whole {@code HttpPipeline}.
     *
     * @return the HTTP client, or {@code null}
     */
    HttpClient httpClient();

    /**
     * The router's view of every region once the client is running (empty before that), for periodic metrics.
     *
     * @return a supplier, cheap and safe to call from any thread
     */
    Supplier<List<RegionStatus>> regionStatus();

    /** @return whether a router is set, by the application or by another extension */
    boolean hasRouter();

    /**
     * Sets the client's router; fails when {@link #hasRouter()} is true.
     *
     * @param router the router, serving only this client
     */
    void router(RegionRouter router);

    /** @return the listeners added so far, by the application and by extensions */
    List<CallListener> listeners();

    /**
     * Adds a listener to the client.
     *
     * @param listener the listener
     */
    void addListener(CallListener listener);

    /**
     * Closes a resource when the client closes (after the router stops, before the transport does), or at once if
     * the build fails after this call.
     *
     * @param resource such as an exporter created for the client
     */
    void closeWithClient(AutoCloseable resource);

    /**
     * Says what this extension wired, for the one INFO line a client built from settings logs, such as
     * {@code router=nearest (branchline-routing)}.
     *
     * @param what a short description, never holding a secret
     */
    void wired(String what);
}
