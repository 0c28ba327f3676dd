package io.branchline.routing;

import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.Region;
import io.branchline.core.models.ControlChange;
import reactor.core.Disposable;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the router's control sources: polls each on the client's scheduler, merges what they hold (a later source
 * wins), parses it into a {@link Control}, and applies a change by swapping a new {@link RouterConfig} into the
 * router's state and marking the plans dirty, so the next plan is compiled with it and calls in flight keep theirs.
 * Each change is logged once at INFO and reported to the client's listener; the last good values of every source
 * are saved beside the last-known-good file and restored at start, so a branch restarted while its sources are
 * unreachable keeps the control in force.
 *
 * <p>Concurrency: polls of one source never overlap (the next is scheduled when one ends); what they bring is
 * applied under {@code this}.
 */
final class ControlPlane implements AutoCloseable {
    private static final ClientLogger LOGGER = new ClientLogger(ControlPlane.class);
    /** How long one poll may take before it counts as failed. */
    static final long POLL_TIMEOUT_MILLIS = 10_000;

    private final RouterState state;
    private final RouterConfig base;
    private final List<ControlSource> sources;
    private final Path saveFile;
    private final List<String> regionNames;
    /** Guarded by {@code this}: each source's last good values, {@code null} until it gave some. */
    private final Map<ControlSource, Map<String, String>> lastGood = new LinkedHashMap<>();
    /** Guarded by {@code this}: the problem each source last reported, so that it is warned about once. */
    private final Map<ControlSource, String> problems = new LinkedHashMap<>();
    private final Set<String> reportedNotChangeable = new HashSet<>();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private final List<Disposable> polls = new ArrayList<>();
    private volatile Control current = Control.NONE;
    private volatile boolean closed;

    ControlPlane(RouterState state, RouterConfig base, List<ControlSource> sources, Path saveFile) {
        this.state = state;
        this.base = base;
        this.sources = sources;
        this.saveFile = saveFile;
        this.regionNames = state.context.regions().stream().map(Region::name).toList();
    }

    /** Restores the last good control, if saved; called under the rebuild lock before the first plans. */
    synchronized void restore() {
        if (saveFile == null || !Files.isRegularFile(saveFile)) {
            return;
        }
        try {
            Properties p = new Properties();
            p.load(new StringReader(Files.readString(saveFile, StandardCharsets.UTF_8)));
            String savedAt = p.getProperty("savedAt", "?");
            for (int i = 0; p.getProperty("source." + i + ".description") != null; i++) {
                String description = p.getProperty("source." + i + ".description");
                String prefix = "source." + i + ".value.";
                Map<String, String> values = new TreeMap<>();
                for (String name : p.stringPropertyNames()) {
                    if (name.startsWith(prefix)) {
                        values.put(name.substring(prefix.length()), p.getProperty(name));
                    }
                }
                for (ControlSource s : sources) {
                    if (s.description().equals(description)) {
                        lastGood.put(s, values);
                    }
                }
            }
            apply("the last good control saved at " + savedAt + " (" + saveFile + ")", false);
        } catch (IOException | RuntimeException e) {
            LOGGER.atWarning().addKeyValue("file", String.valueOf(saveFile)).log("ignoring unreadable last good control"
                + " file: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Starts polling every source; the first poll of each runs at once. */
    void start() {
        for (ControlSource s : sources) {
            schedule(s, 0);
        }
    }

    Control current() {
        return current;
    }

    /** Polls a source now and waits for it (tests and the first poll of a builder's sources). */
    void pollNow(ControlSource s) {
        Map<String, String> values;
        try {
            values = s.poll().block(Duration.ofMillis(POLL_TIMEOUT_MILLIS));
        } catch (RuntimeException e) {
            failed(s, e);
            return;
        }
        if (values != null) {
            received(s, values);
        } else {
            recovered(s);
        }
    }

    private void schedule(ControlSource s, long delayMillis) {
        if (closed) {
            return;
        }
        try {
            ScheduledFuture<?> f = state.context.scheduler().schedule(() -> pollOnce(s), delayMillis,
                TimeUnit.MILLISECONDS);
            synchronized (tasks) {
                tasks.removeIf(ScheduledFuture::isDone);
                tasks.add(f);
            }
        } catch (RuntimeException e) {
            LOGGER.atVerbose().log("control poll not scheduled: scheduler stopped");
        }
    }

    private void pollOnce(ControlSource s) {
        long interval = s.pollInterval().toMillis();
        try {
            Disposable d = s.poll()
                .timeout(Duration.ofMillis(POLL_TIMEOUT_MILLIS))
                .subscribe(values -> received(s, values), e -> {
                    failed(s, e);
                    schedule(s, interval);
                }, () -> {
                    recovered(s);
                    schedule(s, interval);
                });
            synchronized (polls) {
                polls.removeIf(Disposable::isDisposed);
                polls.add(d);
            }
        } catch (RuntimeException e) {
            failed(s, e);
            schedule(s, interval);
        }
    }

    private synchronized void received(ControlSource s, Map<String, String> values) {
        Map<String, String> previous = lastGood.get(s);
        lastGood.put(s, new TreeMap<>(values));
        try {
            apply(s.description(), true);
            recovered(s);
        } catch (IllegalArgumentException e) {
            if (previous == null) {
                lastGood.remove(s);
            } else {
                lastGood.put(s, previous);
            }
            failed(s, e);
        }
    }

    private synchronized void recovered(ControlSource s) {
        if (problems.remove(s) != null) {
            LOGGER.atInfo().addKeyValue("source", s.description()).log("control source answers again");
        }
    }

    private synchronized void failed(ControlSource s, Throwable e) {
        Throwable cause = reactor.core.Exceptions.unwrap(e);
        String problem = cause instanceof java.util.concurrent.TimeoutException
            ? "no answer within " + POLL_TIMEOUT_MILLIS + " ms"
            : cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        if (!Objects.equals(problems.put(s, problem), problem)) {
            LOGGER.atWarning().addKeyValue("source", s.description()).log("Control not updated from "
                + s.description() + ": " + problem + "; the last good control stays in force ("
                + (current.isEmpty() ? "none" : current.values) + ")");
        }
    }

    /** Merges every source's last good values and applies the result when it differs. Holds {@code this}. */
    private void apply(String from, boolean save) {
        Map<String, String> merged = new TreeMap<>();
        lastGood.values().forEach(merged::putAll);
        Control next = Control.parse(merged, from, regionNames); // throws on a malformed value: nothing applied
        for (String n : next.notChangeable) {
            if (reportedNotChangeable.add(n)) {
                LOGGER.atWarning().addKeyValue("source", from).log("Control " + n + " is not changeable at run time"
                    + " and is ignored; changeable: " + Control.NAMES);
            }
        }
        if (save) {
            save();
        }
        Control old = current;
        if (old.values.equals(next.values)) {
            return;
        }
        current = next;
        state.cfg = base.withControl(next);
        state.dirty = true;
        Map<String, String> changes = new TreeMap<>();
        Map<String, String> before = new TreeMap<>();
        Set<String> names = new HashSet<>(old.values.keySet());
        names.addAll(next.values.keySet());
        for (String n : names) {
            String a = old.values.getOrDefault(n, "");
            String b = next.values.getOrDefault(n, "");
            if (!a.equals(b)) {
                changes.put(n, b);
                before.put(n, a);
            }
        }
        ControlChange change = new ControlChange(state.clock.instant(), from, changes, before, next.notChangeable);
        LOGGER.atInfo().addKeyValue("source", from).log("Routing control changed from " + from + ": "
            + change.describe() + "; applies from the next route plan, calls in flight keep theirs");
        try {
            state.context.listener().controlChanged(change);
        } catch (RuntimeException e) {
            LOGGER.atVerbose().log("listener failed", e);
        }
    }

    private void save() {
        if (saveFile == null) {
            return;
        }
        StringBuilder sb = new StringBuilder("# Branchline routing: last good run-time control, restored when the"
            + " control sources are unreachable at start. Safe to delete.\n");
        sb.append("version=1\nsavedAt=").append(Instant.now(state.clock)).append('\n');
        int i = 0;
        for (Map.Entry<ControlSource, Map<String, String>> e : lastGood.entrySet()) {
            Properties one = new Properties();
            String prefix = "source." + i + ".";
            one.setProperty(prefix + "description", e.getKey().description());
            e.getValue().forEach((n, v) -> one.setProperty(prefix + "value." + n, v));
            java.io.StringWriter w = new java.io.StringWriter();
            try {
                one.store(w, null);
            } catch (IOException impossible) {
                throw new IllegalStateException(impossible);
            }
            w.toString().lines().filter(l -> !l.startsWith("#")).forEach(l -> sb.append(l).append('\n'));
            i++;
        }
        try {
            LastKnownGood.writeAtomically(saveFile, sb.toString());
        } catch (IOException | RuntimeException e) {
            LOGGER.atWarning().addKeyValue("file", String.valueOf(saveFile)).log("cannot write the last good control"
                + " file: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (tasks) {
            tasks.forEach(t -> t.cancel(false));
        }
        synchronized (polls) {
            polls.forEach(Disposable::dispose);
        }
        for (ControlSource s : sources) {
            try {
                s.close();
            } catch (Exception e) {
                LOGGER.atVerbose().log("control source failed to close: " + e.getClass().getSimpleName());
            }
        }
    }

    /** The control sources, for the client's one INFO line; empty when none. */
    static String describe(List<ControlSource> sources) {
        if (sources.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(", control from ");
        for (int i = 0; i < sources.size(); i++) {
            sb.append(i == 0 ? "" : " and ").append(sources.get(i).description());
        }
        return sb.toString();
    }
}
