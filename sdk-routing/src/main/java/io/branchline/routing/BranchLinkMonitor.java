package io.branchline.routing;

import com.azure.core.util.logging.ClientLogger;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.branchline.core.models.RegionHealth;

import java.util.concurrent.TimeUnit;

/**
 * Tells the branch's own link going down apart from regions going down: when every region refused a connection
 * within the window, the branch is blamed. Meanwhile open times stop growing and every region is probed quickly;
 * when any region answers again, the others come back as soon as they answer, without failback dwell.
 *
 * <p>Concurrency: refusals are kept in a Caffeine cache expiring after the window (on the client's clock); the
 * down/up switch is a volatile flag flipped under {@code this}, so each episode is reported once.
 */
final class BranchLinkMonitor {
    private static final ClientLogger LOGGER = new ClientLogger(BranchLinkMonitor.class);
    /** Probe interval while the link is down: 1 s. */
    static final long LINK_DOWN_PROBE_MILLIS = 1_000;

    private final RouterState state;
    private final Runnable probeAllSoon;
    private final Cache<String, Boolean> refusals;
    private volatile boolean down;
    /** When the link went down, by the client's clock; written under {@code this}. */
    private long downSinceMillis;

    BranchLinkMonitor(RouterState state, Runnable probeAllSoon) {
        this.state = state;
        this.probeAllSoon = probeAllSoon;
        this.refusals = Caffeine.newBuilder()
            .expireAfterWrite(state.cfg.linkDownWindow)
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(state.clock.millis()))
            .maximumSize(Math.max(16, state.regions.length * 2L))
            .build();
    }

    boolean isDown() {
        return down;
    }

    /** A call or probe to the region could not connect. */
    void connectFailed(RegionState s) {
        refusals.put(s.name(), Boolean.TRUE);
        if (down) {
            return;
        }
        for (RegionState other : state.regions) {
            if (refusals.getIfPresent(other.name()) == null) {
                return;
            }
        }
        synchronized (this) {
            if (down) {
                return;
            }
            down = true;
            downSinceMillis = state.clock.millis();
        }
        state.dirty = true;
        String reason = "every region refused connections within " + state.cfg.linkDownWindow.toMillis() + " ms";
        LOGGER.atWarning().addKeyValue("regions", state.regions.length).log(reason + ": treating it as the branch's"
            + " own link being down (open times stay at " + state.cfg.breaker.openTime().toMillis() + " ms, probing"
            + " every " + LINK_DOWN_PROBE_MILLIS + " ms)");
        try {
            state.context.listener().branchLinkDown(reason);
        } catch (RuntimeException e) {
            LOGGER.atVerbose().log("listener failed", e);
        }
        probeAllSoon.run();
    }

    /** A region answered. On every successful call: cheap unless the link was down. */
    void answered() {
        if (!down) {
            if (refusals.estimatedSize() > 0) {
                refusals.invalidateAll();
            }
            return;
        }
        long downFor;
        synchronized (this) {
            if (!down) {
                return;
            }
            down = false;
            downFor = Math.max(0, state.clock.millis() - downSinceMillis);
            refusals.invalidateAll();
            for (RegionState s : state.regions) {
                if (s.health == RegionHealth.UNHEALTHY || !s.breaker.isClosed()) {
                    s.restoreOnNextSuccess = true;
                }
            }
        }
        state.dirty = true;
        LOGGER.atInfo().addKeyValue("downMillis", downFor).log("a region answered again: the branch's link is back;"
            + " restoring regions as they answer");
        try {
            state.context.listener().branchLinkRestored(java.time.Duration.ofMillis(downFor));
        } catch (RuntimeException e) {
            LOGGER.atVerbose().log("listener failed", e);
        }
        probeAllSoon.run();
    }
}
