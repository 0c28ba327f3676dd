package io.branchline.core;

import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.ProbeResult;
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a {@link RegionRouter} receives from the client when it starts: the regions, the client's clock, a
 * scheduler for background work, the listener for region events, and a probe that goes through the client's own
 * transport (proxy, TLS trust, function keys or token), so probes see the network exactly as calls do.
 */
public interface RouterContext {
    /** @return the configured regions, in configuration order */
    List<Region> regions();

    /** @return the client's clock; tests inject a controllable one */
    Clock clock();

    /**
     * The scheduler for probes and other background work: one daemon thread shared by every client of the process.
     * When the client closes, its tasks are cancelled (and running ones waited for, briefly); other clients' tasks
     * go on. Never run blocking work on it.
     *
     * @return the scheduler
     */
    ScheduledExecutorService scheduler();

    /** @return the listener to report region events to (breaker and health changes); never throws */
    CallListener listener();

    /** @return the client's failover options (hedge delay bounds and the like) */
    FailoverOptions failoverOptions();

    /**
     * Sends a health probe to a region through the client's transport, with the region's function key or token.
     * The returned {@code Mono} never fails: failures are described in the result.
     *
     * @param region the region
     * @param method the HTTP method, such as {@code GET}
     * @param path the path, such as {@code /api/health}
     * @param headers extra headers
     * @param timeout the probe's timeout
     * @return the result, emitted when the probe ends
     */
    Mono<ProbeResult> probe(Region region, String method, String path, Map<String, String> headers, Duration timeout);
}
