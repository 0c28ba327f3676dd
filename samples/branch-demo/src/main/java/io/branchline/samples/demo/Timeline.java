package io.branchline.samples.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the demo saw over time: one sample per tick, and the fault windows it caused. */
final class Timeline {
    /** One tick: per region, the latency estimate (ms, or -1) and how many calls it served since the last tick. */
    record Sample(double atSeconds, Map<String, Double> latencyMs, Map<String, Long> served, Map<String, String> health) {
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

    /** A fault the demo injected, from start to end (seconds since the run started). */
    record FaultWindow(String region, String label, double startSeconds, double endSeconds) {
    }

    final List<String> regions;
    final List<Sample> samples = new ArrayList<>();
    final List<FaultWindow> faults = new ArrayList<>();
    private final Map<String, double[]> openFaults = new LinkedHashMap<>();
    private final Map<String, String> openLabels = new LinkedHashMap<>();

    Timeline(List<String> regions) {
        this.regions = List.copyOf(regions);
    }

    synchronized void add(Sample s) {
        samples.add(s);
    }

    synchronized void faultStarted(String region, String label, double at) {
        faultEnded(region, at);
        openFaults.put(region, new double[] {at});
        openLabels.put(region, label);
    }

    synchronized void faultEnded(String region, double at) {
        double[] start = openFaults.remove(region);
        if (start != null) {
            faults.add(new FaultWindow(region, openLabels.remove(region), start[0], at));
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
}
