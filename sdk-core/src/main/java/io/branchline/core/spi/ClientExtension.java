package io.branchline.core.spi;

import java.util.List;

/**
 * A Branchline module that a client built from settings ({@code FunctionClientBuilder.fromProperties} or
 * {@code fromEnvironment}) wires in by itself when its jar is on the class path, found with
 * {@link java.util.ServiceLoader} the way azure-core finds its {@code HttpClientProvider}: core has no dependency on
 * it. {@code branchline-routing} provides the nearest-region router this way and {@code branchline-telemetry} the
 * Azure Monitor exporter.
 *
 * <p>Implementations are public classes with a public no-argument constructor, declared in
 * {@code META-INF/services/io.branchline.core.spi.ClientExtension} and in {@code module-info} with
 * {@code provides io.branchline.core.spi.ClientExtension with ...}. They are stateless: {@link #configure} runs
 * once per client built.
 */
public interface ClientExtension {
    /**
     * The Maven coordinates of the module, named in messages, such as {@code io.branchline:branchline-routing}.
     *
     * @return the coordinates
     */
    String artifact();

    /**
     * The prefix every setting of this module starts with, such as {@code branchline.routing.}.
     *
     * @return the prefix
     */
    String prefix();

    /**
     * Every setting this module reads; each is validated when a client is built, and names not declared by any
     * module are reported as unknown.
     *
     * @return the declarations
     */
    List<Setting<?>> settings();

    /**
     * Wires the module into a client being built: reads its settings from {@link ExtensionContext#settings()} and
     * sets a router or adds listeners unless the application set its own.
     *
     * @param context the client being built
     * @throws IllegalArgumentException when a setting is malformed (the message names it)
     * @throws IllegalStateException when settings conflict
     */
    void configure(ExtensionContext context);

    /**
     * A bounded store for the client's stale-if-error answers, for a module that provides one
     * ({@code branchline-routing} does, on Caffeine). Core asks the modules on the class path in artifact order when a
     * client turns stale-if-error on, whether built in code or from settings.
     *
     * @param maxEntries the most answers kept
     * @param maxBytes the most bytes kept (see {@link StoredResponse#weight()})
     * @param clock the client's clock, for expiry
     * @return a new store, or {@code null} when this module has none (the default)
     */
    default StaleResponseCache staleResponseCache(long maxEntries, long maxBytes, java.time.Clock clock) {
        return null;
    }
}
