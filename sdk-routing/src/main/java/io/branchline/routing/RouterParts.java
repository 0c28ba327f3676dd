package io.branchline.routing;

import io.branchline.core.RouterContext;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The pieces a started {@link NearestRegionRouter} is made of, built, started and closed together: the shared
 * {@link RouterState}, the {@link Prober}, the {@link BranchLinkMonitor}, the call path's {@link AttemptFeedback},
 * the operator's {@link ControlPlane} and the optional {@link LastKnownGoodStore}.
 *
 * <p>Concurrency: built once under the router's start; {@link #close()} is idempotent and may race nothing else
 * (the client closes its router once); every piece documents its own rule.
 */
final class RouterParts {
    final RouterState state;
    final Prober prober;
    final BranchLinkMonitor link;
    final AttemptFeedback feedback;
    final ControlPlane control;
    private final RouterConfig cfg;
    private LastKnownGoodStore lastKnownGood;
    private ScheduledFuture<?> refresh;
    private boolean closed;

    private RouterParts(RouterConfig cfg, RouterContext context, List<ControlSource> controlSources,
        Path lastGoodControl) {
        this.cfg = cfg;
        this.state = new RouterState(cfg, context, this::linkDown);
        this.prober = new Prober(state);
        this.link = new BranchLinkMonitor(state, prober::probeAllSoon);
        prober.link(link);
        this.feedback = new AttemptFeedback(state, link, prober::probeSoon);
        this.control = new ControlPlane(state, cfg, controlSources, controlSources.isEmpty() ? null : lastGoodControl);
    }

    /** Whether the branch's own link is down; false while the monitor is being built. */
    private boolean linkDown() {
        BranchLinkMonitor l = link;
        return l != null && l.isDown();
    }

    /**
     * Builds every piece for one client and computes the first plans from what is known before any probe: the
     * last good control, then the last-known-good ranking.
     */
    static RouterParts start(RouterConfig cfg, RouterContext context, List<ControlSource> controlSources,
        Path lastGoodControl) {
        RouterParts parts = new RouterParts(cfg, context, controlSources, lastGoodControl);
        RouterState s = parts.state;
        s.lock.lock();
        try {
            parts.control.restore(); // the last good control is in force from the first plan, sources reachable or not
            if (cfg.lastKnownGood != null) {
                parts.lastKnownGood = new LastKnownGoodStore(s, cfg.lastKnownGood, parts.link::isDown);
                parts.lastKnownGood.load();
                s.afterRebuild = parts.lastKnownGood::saveSoonIfChanged;
            }
            s.rebuild();
        } finally {
            s.lock.unlock();
        }
        return parts;
    }

    /**
     * Starts the probes, the periodic refresh of the plans (they are rebuilt every
     * {@link PlanCompiler#REFRESH_MILLIS} to pick up slow changes, so the call path never reads the clock for it) and,
     * with background probes, the polling of the control sources.
     */
    synchronized void startBackground() {
        prober.start();
        try {
            refresh = state.context.scheduler().scheduleWithFixedDelay(() -> state.dirty = true,
                PlanCompiler.REFRESH_MILLIS, PlanCompiler.REFRESH_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            refresh = null; // the client is closing: nothing will ask for a plan
        }
        if (cfg.backgroundProbes) { // tests with manual probes poll their control sources by hand too
            control.start();
        }
    }

    /** Stops the probes and the control polling and saves the last-known-good file. */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (refresh != null) {
            refresh.cancel(false);
        }
        prober.close();
        control.close();
        if (lastKnownGood != null) {
            state.lock.lock();
            try {
                lastKnownGood.close();
            } finally {
                state.lock.unlock();
            }
        }
    }
}
