package io.branchline.routing;

import io.branchline.core.RouterContext;

import java.nio.file.Path;
import java.util.List;

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
    private boolean closed;

    private RouterParts(RouterConfig cfg, RouterState state, Prober prober, BranchLinkMonitor link,
        ControlPlane control) {
        this.cfg = cfg;
        this.state = state;
        this.prober = prober;
        this.link = link;
        this.feedback = new AttemptFeedback(state, link, prober::probeSoon);
        this.control = control;
    }

    /**
     * Builds every piece for one client and computes the first plans from what is known before any probe: the
     * last good control, then the last-known-good ranking.
     */
    static RouterParts start(RouterConfig cfg, RouterContext context, List<ControlSource> controlSources,
        Path lastGoodControl) {
        BranchLinkMonitor[] linkRef = new BranchLinkMonitor[1];
        RouterState s = new RouterState(cfg, context, () -> linkRef[0] != null && linkRef[0].isDown());
        Prober prober = new Prober(s);
        BranchLinkMonitor link = new BranchLinkMonitor(s, prober::probeAllSoon);
        linkRef[0] = link;
        prober.link(link);
        ControlPlane control = new ControlPlane(s, cfg, controlSources,
            controlSources.isEmpty() ? null : lastGoodControl);
        RouterParts parts = new RouterParts(cfg, s, prober, link, control);
        s.lock.lock();
        try {
            control.restore(); // the last good control is in force from the first plan, sources reachable or not
            if (cfg.lastKnownGood != null) {
                parts.lastKnownGood = new LastKnownGoodStore(s, cfg.lastKnownGood, link::isDown);
                parts.lastKnownGood.load();
                s.afterRebuild = parts.lastKnownGood::saveSoonIfChanged;
            }
            s.rebuild();
        } finally {
            s.lock.unlock();
        }
        return parts;
    }

    /** Starts the probes and, with background probes, the polling of the control sources. */
    void startBackground() {
        prober.start();
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
