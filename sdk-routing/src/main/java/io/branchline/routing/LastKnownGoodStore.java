package io.branchline.routing;

import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Restores the ranking and the regions known down from the last-known-good file at start, and saves them a second
 * after they change and on close. A ranking still being measured (cold samples) is never saved.
 *
 * <p>Concurrency: every method runs under the router's rebuild lock ({@link RouterState#lock}), including the
 * debounced save, which takes it.
 */
final class LastKnownGoodStore {
    private static final ClientLogger LOGGER = new ClientLogger(LastKnownGoodStore.class);
    static final long SAVE_DEBOUNCE_MILLIS = 1_000;

    private final RouterState state;
    private final Path file;
    private final BooleanSupplier linkDown;
    private String lastSavedRanking;
    private ScheduledFuture<?> saveTask;
    private boolean closed;

    LastKnownGoodStore(RouterState state, Path file, BooleanSupplier linkDown) {
        this.state = state;
        this.file = file;
        this.linkDown = linkDown;
    }

    /** Seeds latencies, the rank order and the regions down from the file, when it is there and fresh. */
    void load() {
        LastKnownGood lkg = LastKnownGood.read(file);
        if (lkg == null) {
            return;
        }
        if (lkg.savedAt.isBefore(state.clock.instant().minus(state.cfg.lastKnownGoodMaxAge))) {
            LOGGER.atInfo().addKeyValue("file", String.valueOf(file)).addKeyValue("savedAt", String.valueOf(lkg.savedAt))
                .log("last-known-good file is too old; ignored");
            return;
        }
        lkg.latencyMillis.forEach((name, ms) -> {
            RegionState s = state.get(name);
            if (s != null) {
                s.latency.seed(ms * 1_000_000);
            }
        });
        List<RegionState> ordered = new ArrayList<>();
        for (String name : lkg.rank) {
            RegionState s = state.get(name);
            if (s != null && !ordered.contains(s)) {
                ordered.add(s);
            }
        }
        for (RegionState s : state.rank()) {
            if (!ordered.contains(s)) {
                ordered.add(s);
            }
        }
        state.rank(ordered.toArray(new RegionState[0]));
        for (String name : lkg.down) {
            RegionState s = state.get(name);
            if (s == null) {
                continue;
            }
            if (state.cfg.probing()) {
                s.health = RegionHealth.UNHEALTHY;
                s.healthReason = "down when last seen (last-known-good of " + lkg.savedAt + "), until a probe passes";
                s.probePassesInRow = Math.max(0, state.cfg.probes.healthyThreshold() - 1);
            } else {
                s.breaker.open();
            }
            s.wasOut = true;
        }
        lastSavedRanking = null;
        LOGGER.atInfo().addKeyValue("file", String.valueOf(file)).addKeyValue("rank", String.valueOf(lkg.rank))
            .addKeyValue("down", String.valueOf(lkg.down)).log("restored last-known-good routing state");
    }

    private LastKnownGood current() {
        List<String> names = new ArrayList<>();
        Set<String> down = new LinkedHashSet<>();
        Map<String, Double> latency = new LinkedHashMap<>();
        for (RegionState s : state.rank()) {
            names.add(s.name());
            if (s.health == RegionHealth.UNHEALTHY || s.breaker.state() == BreakerState.OPEN) {
                down.add(s.name());
            }
            if (s.latency.measured()) {
                latency.put(s.name(), s.latency.score() / 1_000_000.0);
            }
        }
        if (linkDown.getAsBoolean()) {
            down.clear(); // the branch's link, not the regions, was down: nothing to remember
        }
        return new LastKnownGood(Instant.now(state.clock), names, down, latency);
    }

    /** After a rebuild: schedules a save when the ranking changed and is settled. */
    void saveSoonIfChanged() {
        if (closed || saveTask != null || !state.rankingSettled) {
            return;
        }
        if (current().ranking().equals(lastSavedRanking)) {
            return;
        }
        try {
            saveTask = state.context.scheduler().schedule(() -> {
                state.lock.lock();
                try {
                    saveTask = null;
                    if (!closed) {
                        saveNow();
                    }
                } finally {
                    state.lock.unlock();
                }
            }, SAVE_DEBOUNCE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            saveTask = null;
        }
    }

    /** Writes the file now, if the ranking is settled. */
    void saveNow() {
        if (!state.rankingSettled) {
            return;
        }
        LastKnownGood lkg = current();
        try {
            lkg.write(file);
            lastSavedRanking = lkg.ranking();
        } catch (IOException | RuntimeException e) {
            LOGGER.atWarning().addKeyValue("file", String.valueOf(file)).log("cannot write the last-known-good file: "
                + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Cancels a pending save and writes the file a last time. */
    void close() {
        closed = true;
        if (saveTask != null) {
            saveTask.cancel(false);
            saveTask = null;
        }
        saveNow();
    }
}
