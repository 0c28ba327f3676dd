package io.branchline.core;

import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** Fans events out to listeners; a listener that throws is logged (warning once per listener, then verbose). */
final class GuardedListener extends CallListener {
    private static final ClientLogger LOGGER = new ClientLogger(GuardedListener.class);
    private final CallListener[] delegates;
    private final Set<CallListener> warned = ConcurrentHashMap.newKeySet();

    GuardedListener(List<CallListener> delegates) {
        this.delegates = delegates.toArray(new CallListener[0]);
    }

    List<CallListener> delegates() {
        return List.of(delegates);
    }

    private void each(Consumer<CallListener> event) {
        for (CallListener l : delegates) {
            try {
                event.accept(l);
            } catch (RuntimeException | LinkageError e) {
                String msg = "Call listener " + l.getClass().getName() + " threw " + e.getClass().getName()
                    + "; the event is skipped for it and the call goes on";
                if (warned.add(l)) {
                    LOGGER.atWarning().log(msg, e);
                } else {
                    LOGGER.atVerbose().log(msg);
                }
            }
        }
    }

    @Override
    public void callStart(CallInfo call) {
        each(l -> l.callStart(call));
    }

    @Override
    public void attemptStart(CallInfo call, Region region, int attemptNumber, boolean hedge) {
        each(l -> l.attemptStart(call, region, attemptNumber, hedge));
    }

    @Override
    public void attemptEnd(CallInfo call, Region region, Attempt attempt) {
        each(l -> l.attemptEnd(call, region, attempt));
    }

    @Override
    public void failover(CallInfo call, Region from, Region to, Attempt cause) {
        each(l -> l.failover(call, from, to, cause));
    }

    @Override
    public void hedge(CallInfo call, Region primary, Region hedge) {
        each(l -> l.hedge(call, primary, hedge));
    }

    @Override
    public void callEnd(CallInfo call, FunctionResponse response) {
        each(l -> l.callEnd(call, response));
    }

    @Override
    public void callFailed(CallInfo call, FunctionCallException error) {
        each(l -> l.callFailed(call, error));
    }

    @Override
    public void staleServed(CallInfo call, FunctionResponse stale, FunctionCallException error) {
        each(l -> l.staleServed(call, stale, error));
    }

    @Override
    public void branchLinkDown(String reason) {
        each(l -> l.branchLinkDown(reason));
    }

    @Override
    public void branchLinkRestored(java.time.Duration downFor) {
        each(l -> l.branchLinkRestored(downFor));
    }

    @Override
    public void breakerStateChanged(Region region, BreakerState from, BreakerState to) {
        each(l -> l.breakerStateChanged(region, from, to));
    }

    @Override
    public void probeCompleted(Region region, io.branchline.core.models.ProbeResult result) {
        each(l -> l.probeCompleted(region, result));
    }

    @Override
    public void controlChanged(io.branchline.core.models.ControlChange change) {
        each(l -> l.controlChanged(change));
    }

    @Override
    public void regionHealthChanged(Region region, RegionHealth from, RegionHealth to, String reason) {
        each(l -> l.regionHealthChanged(region, from, to, reason));
    }
}
