package io.branchline.samples.functionapp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the app needs before it can serve, checked on demand: each dependency (its database, its queue) registers a
 * named check, and the health function reports the region ready only when every check passes. Branchline's probes
 * call that function, so a region whose app cannot reach its own store is taken out of rotation before calls fail.
 *
 * <p>Results are kept for {@link #DEFAULT_CACHE} so that many branches probing every few seconds cost one check per
 * interval, not one per probe. Thread-safe.
 */
public final class Readiness {
    /** How long a result is reused: 5 seconds. */
    public static final Duration DEFAULT_CACHE = Duration.ofSeconds(5);
    /** The app setting naming the order store the app needs, as {@code host:port} (a private endpoint). */
    public static final String ORDERS_STORE_SETTING = "ORDERS_STORE";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Readiness APP = fromSettings(System.getenv());

    /** A check of one dependency: returns normally when it is usable, throws saying why when not. */
    @FunctionalInterface
    public interface Check {
        /**
         * Checks the dependency.
         *
         * @throws Exception why it is not usable
         */
        void verify() throws Exception;
    }

    /**
     * The outcome of every check.
     *
     * @param ready whether every check passed
     * @param checks per check name, {@code "ok"} or why it failed
     */
    public record Report(boolean ready, Map<String, String> checks) {
        /** Copies the map. */
        public Report {
            checks = Map.copyOf(checks);
        }
    }

    private final Map<String, Check> checks = new LinkedHashMap<>();
    private final Duration cacheFor;
    private final Clock clock;
    private Report last;
    private Instant lastAt;

    /**
     * Creates an empty registry.
     *
     * @param cacheFor how long a report is reused
     * @param clock the clock that times the cache
     */
    public Readiness(Duration cacheFor, Clock clock) {
        this.cacheFor = Objects.requireNonNull(cacheFor, "cacheFor");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The app's registry, filled from its app settings when the class loads (see {@link #fromSettings(Map)}).
     *
     * @return the registry the health function uses
     */
    public static Readiness app() {
        return APP;
    }

    /**
     * A registry with the app's checks: the order store named by {@value #ORDERS_STORE_SETTING} ({@code host:port})
     * must accept a TCP connection. Without the setting the app cannot work, so the check fails saying so.
     *
     * @param settings the app settings (environment)
     * @return the registry
     */
    public static Readiness fromSettings(Map<String, String> settings) {
        Readiness r = new Readiness(DEFAULT_CACHE, Clock.systemUTC());
        String store = settings.get(ORDERS_STORE_SETTING);
        if (store == null || store.isBlank()) {
            r.register("orders-store", () -> {
                throw new IllegalStateException(ORDERS_STORE_SETTING + " is not set");
            });
        } else {
            r.register("orders-store", tcp(store, CONNECT_TIMEOUT));
        }
        return r;
    }

    /**
     * A check that a TCP connection to {@code host:port} opens within the timeout: the database or queue answers on
     * its (private) endpoint.
     *
     * @param hostAndPort {@code host:port}
     * @param timeout the connect timeout
     * @return the check
     * @throws IllegalArgumentException if {@code hostAndPort} is not {@code host:port} with a port in 1-65535
     */
    public static Check tcp(String hostAndPort, Duration timeout) {
        int colon = hostAndPort.lastIndexOf(':');
        int port;
        try {
            port = colon > 0 ? Integer.parseInt(hostAndPort.substring(colon + 1).trim()) : -1;
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + hostAndPort + "' is not host:port with a port in 1-65535");
        }
        String host = hostAndPort.substring(0, colon).trim();
        int p = port;
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        return () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, p), millis);
            } catch (IOException e) {
                // the class name only: the address of a private endpoint is not for an anonymous caller
                throw new IOException("unreachable (" + e.getClass().getSimpleName() + ")", e);
            }
        };
    }

    /**
     * Adds (or replaces) a named check.
     *
     * @param name what is checked, shown in the health answer
     * @param check the check
     * @return this registry
     */
    public synchronized Readiness register(String name, Check check) {
        checks.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(check, "check"));
        last = null;
        return this;
    }

    /**
     * Runs every check, or returns the last report while it is younger than the cache time.
     *
     * @return the report; not ready when no check is registered
     */
    public synchronized Report evaluate() {
        Instant now = clock.instant();
        if (last != null && now.isBefore(lastAt.plus(cacheFor))) {
            return last;
        }
        Map<String, String> results = new LinkedHashMap<>();
        boolean ready = !checks.isEmpty();
        for (Map.Entry<String, Check> e : checks.entrySet()) {
            try {
                e.getValue().verify();
                results.put(e.getKey(), "ok");
            } catch (Exception ex) {
                ready = false;
                results.put(e.getKey(), ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage());
            }
        }
        if (checks.isEmpty()) {
            results.put("checks", "none registered");
        }
        last = new Report(ready, results);
        lastAt = now;
        return last;
    }
}
