package io.branchline.samples.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the demo saw over time: one sample per tick, the fault windows it caused and the events it observed. */
final class Timeline {
    /** Events kept at most; later ones are counted in {@link #eventsDropped()} only. */
    static final int MAX_EVENTS = 20_000;

    /**
     * One tick: per region, the latency estimate (ms, or -1), how many calls it served since the last tick and its
     * health/breaker; and the telemetry totals at that moment (null when telemetry is off).
     */
    record Sample(double atSeconds, Map<String, Double> latencyMs, Map<String, Long> served, Map<String, String> health,
        Telemetry telemetry) {

        Sample(double atSeconds, Map<String, Double> latencyMs, Map<String, Long> served, Map<String, String> health) {
            this(atSeconds, latencyMs, served, health, null);
        }

        String servingRegion() {
            String best = null;
            long most = 0;
            for (Map.Entry<String, Long> e : served.entrySet()) {
                if (e.getValue() > most) {
                    most = e.getValue();
                    best = e.getKey();
                }
            }
            return best;
        }
    }

    /** Telemetry totals at one tick: calls made so far, items accepted by ingestion, spool files waiting, drops. */
    record Telemetry(long calls, long accepted, int spoolFiles, long dropped) {
    }

    /** A fault the demo injected, from start to end (seconds since the run started). */
    record FaultWindow(String region, String label, double startSeconds, double endSeconds) {
    }

    /** Kinds of {@link Event}. */
    enum Kind {
        FAULT("fault"), FAILOVER("failover"), BREAKER("breaker"), HEALTH("health"), HEDGE("hedge"),
        CONTROL("control");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** Something that happened at a moment of the run: a fault injected or lifted, a failover, a breaker change... */
    record Event(double atSeconds, Kind kind, String region, String text) {
    }

    final List<String> regions;
    private final List<Sample> samples = new ArrayList<>();
    private final List<FaultWindow> faults = new ArrayList<>();
    private final List<Event> events = new ArrayList<>();
    private final Map<String, double[]> openFaults = new LinkedHashMap<>();
    private final Map<String, String> openLabels = new LinkedHashMap<>();
    private long eventsDropped;

    Timeline(List<String> regions) {
        this.regions = List.copyOf(regions);
    }

    synchronized void add(Sample s) {
        samples.add(s);
    }

    synchronized void event(Event e) {
        if (events.size() < MAX_EVENTS) {
            events.add(e);
        } else {
            eventsDropped++;
        }
    }

    synchronized void faultStarted(String region, String label, double at) {
        faultEnded(region, at);
        openFaults.put(region, new double[] {at});
        openLabels.put(region, label);
        event(new Event(at, Kind.FAULT, region, region + " " + label));
    }

    synchronized void faultEnded(String region, double at) {
        double[] start = openFaults.remove(region);
        if (start != null) {
            String label = openLabels.remove(region);
            faults.add(new FaultWindow(region, label, start[0], at));
            event(new Event(at, Kind.FAULT, region, region + " " + label + " ends"));
        }
    }

    synchronized void closeAll(double at) {
        for (String r : new ArrayList<>(openFaults.keySet())) {
            faultEnded(r, at);
        }
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    synchronized List<FaultWindow> faults() {
        return List.copyOf(faults);
    }

    /** The events in the order they happened. */
    synchronized List<Event> events() {
        List<Event> copy = new ArrayList<>(events);
        copy.sort(java.util.Comparator.comparingDouble(Event::atSeconds));
        return copy;
    }

    synchronized long eventsDropped() {
        return eventsDropped;
    }
}
