package io.branchline.testkit;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Simulates one Azure Function app per Azure region, each a local HTTP/1.1 server on {@code 127.0.0.1}, for tests,
 * demos and benchmarks. Not for production traffic.
 *
 * <p>All regions share one small Netty event loop group (default {@value #DEFAULT_EVENT_LOOP_THREADS} threads), which
 * serves tens of thousands of keep-alive requests per second. Latency and faults are switched at runtime on each
 * {@link SimulatedRegion}.
 *
 * <pre>{@code
 * try (RegionSimulator sim = RegionSimulator.builder()
 *         .region("westeurope", Duration.ofMillis(5))
 *         .region("eastus", Duration.ofMillis(60))
 *         .build()) {
 *     SimulatedRegion we = sim.region("westeurope");
 *     we.fault(Fault.serverError(503));
 *     // ... call we.baseUrl() + "/api/orders" ...
 *     we.restore();
 * }
 * }</pre>
 *
 * <p>{@link #close()} releases every port and stops every thread the simulator started.
 */
public final class RegionSimulator implements AutoCloseable {
    /** Default health path: {@value}. */
    public static final String DEFAULT_HEALTH_PATH = "/api/health";
    /** Default number of event loop threads shared by all regions: {@value}. */
    public static final int DEFAULT_EVENT_LOOP_THREADS = 2;
    /** Default seed of the tail-latency random generators: {@value}. */
    public static final long DEFAULT_SEED = 42L;
    /** Default number of requests each region keeps for {@link SimulatedRegion#recordedRequests()}: {@value}. */
    public static final int DEFAULT_RECORDED_REQUEST_LIMIT = 1000;
    /** Largest request body accepted, in bytes: {@value}. */
    public static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;

    private final EventLoopGroup group;
    private final Map<String, SimulatedRegion> regions;

    private RegionSimulator(Builder builder) {
        this.group = new NioEventLoopGroup(builder.threads, Http.daemonThreads("branchline-sim"));
        Map<String, SimulatedRegion> map = new LinkedHashMap<>();
        try {
            long i = 0;
            for (Map.Entry<String, Duration> e : builder.regions.entrySet()) {
                SimulatedRegion region = new SimulatedRegion(e.getKey(), e.getValue(), builder.healthPath,
                        builder.seed + 0x9E3779B97F4A7C15L * i++, builder.recordLimit, group);
                map.put(e.getKey(), region);
                region.start();
            }
        } catch (RuntimeException e) {
            map.values().forEach(SimulatedRegion::close);
            shutdown(group);
            throw e;
        }
        this.regions = Collections.unmodifiableMap(map);
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * One region by name.
     *
     * @param name the name given to {@link Builder#region(String, Duration)}
     * @return the region
     * @throws IllegalArgumentException if there is no such region
     */
    public SimulatedRegion region(String name) {
        SimulatedRegion region = regions.get(Objects.requireNonNull(name, "name"));
        if (region == null) {
            throw new IllegalArgumentException("no region '" + name + "', expected one of " + regions.keySet());
        }
        return region;
    }

    /**
     * All regions, in declaration order.
     *
     * @return an unmodifiable list
     */
    public List<SimulatedRegion> regions() {
        return List.copyOf(regions.values());
    }

    /**
     * The branch's own link to Azure goes down: every region at once refuses connections (as {@link Fault#down()})
     * and open connections are closed, the way a VPN or ExpressRoute outage looks from the branch. Faults set on
     * regions before are replaced.
     *
     * @return this simulator
     */
    public RegionSimulator branchLinkDown() {
        regions.values().forEach(r -> r.fault(Fault.down()));
        return this;
    }

    /**
     * The branch's link is back: every region listens again on its port, with no fault.
     *
     * @return this simulator
     */
    public RegionSimulator branchLinkUp() {
        regions.values().forEach(SimulatedRegion::restore);
        return this;
    }

    /**
     * Puts every region back to its initial state: faults cleared, initial latency, no tail, no canned responses,
     * counters and recordings reset. Useful when one simulator is shared by several tests.
     */
    public void reset() {
        regions.values().forEach(SimulatedRegion::reset);
    }

    /**
     * Closes every server and connection and shuts the event loop down, waiting at most a few seconds.
     */
    @Override
    public void close() {
        regions.values().forEach(SimulatedRegion::close);
        shutdown(group);
    }

    private static void shutdown(EventLoopGroup group) {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    static Duration requireNotNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
        return d;
    }

    /**
     * Configures and starts a {@link RegionSimulator}. Not thread-safe.
     */
    public static final class Builder {
        private final Map<String, Duration> regions = new LinkedHashMap<>();
        private String healthPath = DEFAULT_HEALTH_PATH;
        private int threads = DEFAULT_EVENT_LOOP_THREADS;
        private long seed = DEFAULT_SEED;
        private int recordLimit = DEFAULT_RECORDED_REQUEST_LIMIT;

        private Builder() {
        }

        /**
         * Adds a region with no base latency.
         *
         * @param name the region name, for example {@code westeurope}
         * @return this builder
         */
        public Builder region(String name) {
            return region(name, Duration.ZERO);
        }

        /**
         * Adds a region.
         *
         * @param name the region name, for example {@code westeurope}
         * @param latency the base latency of every answer, not negative
         * @return this builder
         * @throws IllegalArgumentException if the name is blank or already added, or the latency is negative
         */
        public Builder region(String name, Duration latency) {
            Objects.requireNonNull(name, "name");
            requireNotNegative(latency, "latency");
            if (name.isBlank()) {
                throw new IllegalArgumentException("region name must not be blank");
            }
            if (regions.containsKey(name)) {
                throw new IllegalArgumentException("region '" + name + "' was already added");
            }
            regions.put(name, latency);
            return this;
        }

        /**
         * Sets the health path of every region; default {@value RegionSimulator#DEFAULT_HEALTH_PATH}.
         *
         * @param path a path starting with {@code /}
         * @return this builder
         * @throws IllegalArgumentException if the path does not start with {@code /}
         */
        public Builder healthPath(String path) {
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("health path must start with '/', was '" + path + "'");
            }
            this.healthPath = path;
            return this;
        }

        /**
         * Sets the number of event loop threads shared by all regions; default
         * {@value RegionSimulator#DEFAULT_EVENT_LOOP_THREADS}.
         *
         * @param threads at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code threads} is below 1
         */
        public Builder eventLoopThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, was " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * Seeds the tail-latency random generators; default {@value RegionSimulator#DEFAULT_SEED}.
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Sets how many recent requests each region keeps; default
         * {@value RegionSimulator#DEFAULT_RECORDED_REQUEST_LIMIT}. Zero switches recording off, for benchmarks.
         *
         * @param limit zero or more
         * @return this builder
         * @throws IllegalArgumentException if {@code limit} is negative
         */
        public Builder recordedRequestLimit(int limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("limit must not be negative, was " + limit);
            }
            this.recordLimit = limit;
            return this;
        }

        /**
         * Starts every region on an ephemeral port of {@code 127.0.0.1}.
         *
         * @return the running simulator; close it when done
         * @throws IllegalStateException if no region was added
         */
        public RegionSimulator build() {
            if (regions.isEmpty()) {
                throw new IllegalStateException("add at least one region before build()");
            }
            return new RegionSimulator(this);
        }
    }

    /**
     * Describes the simulator.
     *
     * @return the regions and their URLs
     */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        regions.values().forEach(r -> parts.add(r.toString()));
        return "RegionSimulator" + parts;
    }
}
