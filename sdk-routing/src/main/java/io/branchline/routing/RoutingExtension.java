package io.branchline.routing;

import io.branchline.core.Region;
import io.branchline.core.spi.ClientExtension;
import io.branchline.core.spi.ExtensionContext;
import io.branchline.core.spi.Setting;

import java.util.List;

/**
 * Gives a client built from settings ({@code FunctionClientBuilder.fromProperties} / {@code fromEnvironment}) the
 * {@link NearestRegionRouter} configured by {@code branchline.routing.*}, unless the application set a router.
 * Also provides the stale-if-error cache, on Caffeine. Found by core through {@link java.util.ServiceLoader}; not for
 * direct use.
 */
public final class RoutingExtension implements ClientExtension {
    /** Used by {@link java.util.ServiceLoader}. */
    public RoutingExtension() {
    }

    @Override
    public String artifact() {
        return "io.branchline:branchline-routing";
    }

    @Override
    public String prefix() {
        return RoutingSettings.PREFIX;
    }

    @Override
    public List<Setting<?>> settings() {
        List<Setting<?>> all = new java.util.ArrayList<>(RoutingSettings.DEFS);
        all.addAll(ControlSettings.DEFS);
        return all;
    }

    /** The stale-if-error cache on Caffeine, in memory only (see {@code CaffeineStaleCache} for why). */
    @Override
    public io.branchline.core.spi.StaleResponseCache staleResponseCache(long maxEntries, long maxBytes,
        java.time.Clock clock) {
        return new CaffeineStaleCache(maxEntries, maxBytes, clock);
    }

    @Override
    public void configure(ExtensionContext context) {
        if (context.hasRouter()) {
            return;
        }
        List<String> regions = context.regions().stream().map(Region::name).toList();
        RoutingSettings settings = new RoutingSettings(context.settings(), regions);
        NearestRegionRouterBuilder b = settings.toBuilder();
        // App Configuration is read through the client's own HTTP client: its proxy and TLS trust
        ControlSettings.applyTo(b, context.settings(), context.httpClient());
        NearestRegionRouter router = b.build();
        context.router(router);
        context.wired("router nearest-region, strategy " + context.settings().getOrDefault(RoutingSettings.STRATEGY)
            + router.describeControl() + " (" + artifact() + ")");
    }
}
