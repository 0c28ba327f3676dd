package io.branchline.core;

import com.azure.core.http.HttpClient;
import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.models.RegionStatus;
import io.branchline.core.spi.ClientExtension;
import io.branchline.core.spi.ExtensionContext;
import io.branchline.core.spi.SettingSource;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Finds the Branchline modules on the class path (or module path) with {@link ServiceLoader}, as azure-core finds
 * its {@code HttpClientProvider}, and lets them wire themselves into a client built from settings.
 */
final class Extensions {
    private static final ClientLogger LOGGER = new ClientLogger(Extensions.class);
    private static volatile List<ClientExtension> loaded;

    private Extensions() {
    }

    /** The modules present, loaded once. */
    static List<ClientExtension> loaded() {
        List<ClientExtension> l = loaded;
        if (l == null) {
            List<ClientExtension> found = new ArrayList<>();
            for (ClientExtension e : ServiceLoader.load(ClientExtension.class, Extensions.class.getClassLoader())) {
                found.add(e);
            }
            found.sort((a, b) -> a.artifact().compareTo(b.artifact()));
            loaded = l = List.copyOf(found);
        }
        return l;
    }

    /** What a client being built hands to the extensions; what they add is kept here, not in the user's builder. */
    static final class Wiring implements ExtensionContext {
        private final SettingSource source;
        private final List<Region> regions;
        private final Clock clock;
        private final HttpClient httpClient;
        private RegionRouter router;
        private final boolean routerFromBuilder;
        private final List<CallListener> listeners;
        final List<AutoCloseable> closeables = new ArrayList<>();
        private final List<String> wired = new ArrayList<>();
        final AtomicReference<ClientCore> core = new AtomicReference<>();

        Wiring(SettingSource source, List<Region> regions, Clock clock, HttpClient httpClient, RegionRouter router,
            List<CallListener> listeners) {
            this.source = source;
            this.regions = regions;
            this.clock = clock;
            this.httpClient = httpClient;
            this.router = router;
            this.routerFromBuilder = router != null;
            this.listeners = new ArrayList<>(listeners);
        }

        @Override
        public SettingSource settings() {
            return source;
        }

        @Override
        public List<Region> regions() {
            return regions;
        }

        @Override
        public Clock clock() {
            return clock;
        }

        @Override
        public HttpClient httpClient() {
            return httpClient;
        }

        @Override
        public Supplier<List<RegionStatus>> regionStatus() {
            return () -> {
                ClientCore c = core.get();
                return c == null || c.isClosed() ? List.of() : c.router.status();
            };
        }

        @Override
        public boolean hasRouter() {
            return router != null;
        }

        @Override
        public void router(RegionRouter router) {
            Objects.requireNonNull(router, "router");
            if (this.router != null) {
                throw new IllegalStateException("A router is already set: an extension sets one only when hasRouter() is false");
            }
            this.router = router;
            closeables.add(router); // until the client owns it
        }

        @Override
        public List<CallListener> listeners() {
            return Collections.unmodifiableList(listeners);
        }

        @Override
        public void addListener(CallListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
        }

        @Override
        public void closeWithClient(AutoCloseable resource) {
            closeables.add(Objects.requireNonNull(resource, "resource"));
        }

        @Override
        public void wired(String what) {
            wired.add(Objects.requireNonNull(what, "what"));
        }

        RegionRouter router() {
            return router;
        }

        List<CallListener> allListeners() {
            return listeners;
        }

        /** What the client's own closing does not cover: everything but the router, which the client closes. */
        List<AutoCloseable> resources() {
            List<AutoCloseable> out = new ArrayList<>(closeables);
            out.remove(router);
            return out;
        }

        /** The one INFO line of a client built from settings. */
        void log() {
            StringBuilder line = new StringBuilder("Branchline client from the ").append(source.sourceName()).append(": ")
                .append(regions.size()).append(regions.size() == 1 ? " region " : " regions ")
                .append(regions.stream().map(Region::name).toList());
            if (routerFromBuilder) {
                line.append("; router ").append(router.getClass().getSimpleName()).append(" set on the builder");
            } else if (router == null) {
                line.append("; router in order (add io.branchline:branchline-routing for the nearest-region router)");
            }
            for (String w : wired) {
                line.append("; ").append(w);
            }
            LOGGER.info(line.toString());
        }

        /** Closes what extensions created, when the build fails after they ran. */
        void closeAll() {
            for (AutoCloseable c : closeables) {
                closeQuietly(c);
            }
        }

        static void closeQuietly(AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOGGER.warning("Closing " + c.getClass().getSimpleName() + " failed: " + e.getClass().getSimpleName());
            }
        }
    }
}
