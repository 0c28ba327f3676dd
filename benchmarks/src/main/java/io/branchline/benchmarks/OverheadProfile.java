package io.branchline.benchmarks;

import io.branchline.benchmarks.Callers.Caller;
import io.branchline.testkit.RegionSimulator;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Profiles one client of the overhead scenario with Java Flight Recorder: warms it up, records CPU samples
 * ({@code jdk.ExecutionSample}) and allocation samples ({@code jdk.ObjectAllocationSample}) while it makes
 * {@code --calls} calls at {@code --concurrency}, writes the recording and prints, for the client's threads (the
 * region simulator's are left out), where the samples and the sampled bytes fall: by top frame and inclusive by
 * method, per call. Run it for {@code branchline} and {@code bare} and compare.
 *
 * <pre>
 * java -cp "benchmarks/target/classes:$CP" io.branchline.benchmarks.OverheadProfile \
 *     --client branchline --concurrency 1 --calls 40000 --out results/branchline-c1.jfr
 * java -cp ... io.branchline.benchmarks.OverheadProfile --summarize results/branchline-c1.jfr --calls 40000
 * java -cp ... io.branchline.benchmarks.OverheadProfile --diff branchline-c1.jfr 40000 bare-c1.jfr 40000
 * jfr print --events jdk.ObjectAllocationSample results/branchline-c1.jfr   # the raw samples
 * </pre>
 */
public final class OverheadProfile {
    private OverheadProfile() {
    }

    public static void main(String[] args) throws Exception {
        String client = "branchline";
        int concurrency = 1;
        int calls = 40_000;
        int top = 25;
        Path out = Path.of("overhead.jfr");
        Path summarizeOnly = null;
        List<String> diff = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--client": client = args[++i]; break;
                case "--concurrency": concurrency = Integer.parseInt(args[++i]); break;
                case "--calls": calls = Integer.parseInt(args[++i]); break;
                case "--top": top = Integer.parseInt(args[++i]); break;
                case "--out": out = Path.of(args[++i]); break;
                case "--summarize": summarizeOnly = Path.of(args[++i]); break;
                case "--diff": diff = List.of(args[++i], args[++i], args[++i], args[++i]); break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i]
                        + "; expected --client branchline|bare|resilience4j, --concurrency N, --calls N, --top N,"
                        + " --out FILE.jfr, --summarize FILE.jfr");
            }
        }
        if (diff != null) {
            diff(Path.of(diff.get(0)), Integer.parseInt(diff.get(1)), Path.of(diff.get(2)),
                Integer.parseInt(diff.get(3)), top);
            return;
        }
        if (summarizeOnly != null) {
            summarize(summarizeOnly, calls, top);
            return;
        }
        try (RegionSimulator sim = ScenarioMain.regions(0); Caller caller = ScenarioMain.caller(client, sim)) {
            ScenarioMain.load(caller, concurrency, 60 * ScenarioMain.S, 10_000, List.of());
            Configuration profile = Configuration.getConfiguration("profile");
            try (Recording rec = new Recording(profile)) {
                rec.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(1));
                rec.enable("jdk.ObjectAllocationSample").with("throttle", "10000/s");
                rec.start();
                ScenarioMain.Run run = ScenarioMain.load(caller, concurrency, 300 * ScenarioMain.S, calls, List.of());
                rec.stop();
                rec.dump(out);
                System.out.printf(Locale.ROOT, "%s, concurrency %d: %d calls (%d failed), p50 %.0f µs; %s%n", client,
                    concurrency, run.result.size, run.result.failed(), run.result.percentile(0.5) / 1e3,
                    Machine.describe());
                summarize(out, run.result.size, top);
            }
        }
        System.exit(0);
    }

    static void summarize(Path jfr, int calls, int top) throws Exception {
        Map<String, Long> cpuTop = new HashMap<>();
        Map<String, Long> cpuIncl = new HashMap<>();
        Map<String, Long> allocTop = new HashMap<>();
        Map<String, Long> allocIncl = new HashMap<>();
        Map<String, Long> cpuOurs = new HashMap<>();
        Map<String, Long> allocOursIncl = new HashMap<>();
        Map<String, Long> allocOurs = new HashMap<>();
        long cpuSamples = 0;
        long allocBytes = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            String type = e.getEventType().getName();
            boolean cpu = type.equals("jdk.ExecutionSample");
            boolean alloc = type.equals("jdk.ObjectAllocationSample");
            if (!cpu && !alloc) {
                continue;
            }
            RecordedThread t = cpu ? e.getThread("sampledThread") : e.getThread();
            String name = t == null ? "" : String.valueOf(t.getJavaName());
            if (!ThreadCost.isClient(name) && !name.startsWith("scenario-load")) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            long w = cpu ? 1 : e.getLong("weight");
            String first = frame(st.getFrames().get(0));
            if (alloc) {
                first = e.getClass("objectClass").getName() + " ← " + first;
            }
            Set<String> seen = new HashSet<>();
            String ours = null;
            for (RecordedFrame f : st.getFrames()) {
                seen.add(frame(f));
                if (ours == null && f.getMethod().getType().getName().startsWith("io.branchline.")
                    && !f.getMethod().getType().getName().startsWith("io.branchline.benchmarks.")) {
                    ours = frame(f);
                }
            }
            // where the sample falls below Branchline's own code: the nearest Branchline frame, else the top frame
            String site = (ours == null ? "(no Branchline frame) " : ours + " → ") + first;
            if (cpu) {
                cpuSamples += w;
                cpuTop.merge(first, w, Long::sum);
                seen.forEach(m -> cpuIncl.merge(m, w, Long::sum));
                cpuOurs.merge(ours == null ? "(no Branchline frame)" : ours, w, Long::sum);
            } else {
                allocOurs.merge(site, w, Long::sum);
                seen.stream().filter(OverheadProfile::isBranchline).forEach(m -> allocOursIncl.merge(m, w, Long::sum));
                allocBytes += w;
                allocTop.merge(first, w, Long::sum);
                seen.forEach(m -> allocIncl.merge(m, w, Long::sum));
            }
        }
        System.out.printf(Locale.ROOT, "CPU samples: %d (%.4f per call); sampled allocation: %.0f B per call%n",
            cpuSamples, cpuSamples / (double) calls, allocBytes / (double) calls);
        print("CPU samples by top frame (share of samples)", cpuTop, cpuSamples, calls, top, false);
        print("CPU samples inclusive by method (share of samples)", cpuIncl, cpuSamples, calls, top, false);
        print("allocated bytes by class ← allocating frame (B per call)", allocTop, allocBytes, calls, top, true);
        print("allocated bytes inclusive by method (B per call)", allocIncl, allocBytes, calls, top, true);
        print("allocated bytes inclusive by Branchline method (B per call)", allocOursIncl, allocBytes, calls, top, true);
        print("CPU samples by nearest Branchline frame", cpuOurs, cpuSamples, calls, top, false);
        print("allocated bytes by nearest Branchline frame → class ← allocating frame (B per call)", allocOurs,
            allocBytes, calls, top * 2, true);
    }

    /**
     * Per call, what recording {@code a} has more of than {@code b}: allocated bytes by class and allocating frame,
     * and CPU samples by top frame and by method (inclusive).
     */
    static void diff(Path a, int callsA, Path b, int callsB, int top) throws Exception {
        Map<String, double[]> allocA = perCall(a, callsA);
        Map<String, double[]> allocB = perCall(b, callsB);
        for (String kind : List.of("alloc", "cpuTop", "cpuIncl")) {
            Map<String, Double> d = new HashMap<>();
            allocA.forEach((k, v) -> {
                if (k.startsWith(kind + "|")) {
                    d.merge(k.substring(kind.length() + 1), v[0], Double::sum);
                }
            });
            allocB.forEach((k, v) -> {
                if (k.startsWith(kind + "|")) {
                    d.merge(k.substring(kind.length() + 1), -v[0], Double::sum);
                }
            });
            double total = d.values().stream().mapToDouble(Double::doubleValue).sum();
            System.out.printf(Locale.ROOT, "%n%s: %s − %s, per call (total %+.4f)%n", kind.equals("alloc")
                ? "allocated bytes by class ← allocating frame" : kind.equals("cpuTop") ? "CPU samples by top frame"
                : "CPU samples inclusive by method", a.getFileName(), b.getFileName(), total);
            d.entrySet().stream().sorted((x, y) -> Double.compare(Math.abs(y.getValue()), Math.abs(x.getValue())))
                .limit(top).forEach(e -> System.out.printf(Locale.ROOT, kind.equals("alloc") ? "  %+8.0f  %s%n"
                    : "  %+8.5f  %s%n", e.getValue(), e.getKey()));
        }
    }

    private static Map<String, double[]> perCall(Path jfr, int calls) throws Exception {
        Map<String, double[]> m = new HashMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            String type = e.getEventType().getName();
            boolean cpu = type.equals("jdk.ExecutionSample");
            if (!cpu && !type.equals("jdk.ObjectAllocationSample")) {
                continue;
            }
            RecordedThread t = cpu ? e.getThread("sampledThread") : e.getThread();
            String name = t == null ? "" : String.valueOf(t.getJavaName());
            RecordedStackTrace st = e.getStackTrace();
            if (!ThreadCost.isClient(name) && !name.startsWith("scenario-load") || st == null
                || st.getFrames().isEmpty()) {
                continue;
            }
            double w = (cpu ? 1 : e.getLong("weight")) / (double) calls;
            String first = frame(st.getFrames().get(0));
            if (cpu) {
                m.computeIfAbsent("cpuTop|" + first, k -> new double[1])[0] += w;
                Set<String> seen = new HashSet<>();
                for (RecordedFrame f : st.getFrames()) {
                    seen.add(frame(f));
                }
                seen.forEach(s -> m.computeIfAbsent("cpuIncl|" + s, k -> new double[1])[0] += w);
            } else {
                m.computeIfAbsent("alloc|" + e.getClass("objectClass").getName() + " ← " + first,
                    k -> new double[1])[0] += w;
            }
        }
        return m;
    }

    private static boolean isBranchline(String frame) {
        return BRANCHLINE_CLASSES.contains(frame.substring(0, frame.indexOf('.')).split("\\$")[0]);
    }

    private static final Set<String> BRANCHLINE_CLASSES = new HashSet<>();

    private static String frame(RecordedFrame f) {
        String type = f.getMethod().getType().getName();
        if (type.startsWith("io.branchline.") && !type.startsWith("io.branchline.benchmarks.")) {
            String simple = type.substring(type.lastIndexOf('.') + 1);
            BRANCHLINE_CLASSES.add(simple.split("\\$")[0]);
        }
        return shortFrame(f);
    }

    private static String shortFrame(RecordedFrame f) {
        String cls = f.getMethod().getType().getName();
        return cls.substring(cls.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    private static void print(String title, Map<String, Long> m, long total, int calls, int top, boolean bytes) {
        System.out.println("\n" + title);
        m.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
            .forEach(e -> System.out.printf(Locale.ROOT, "  %6.1f %%  %9s  %s%n", 100.0 * e.getValue() / total,
                bytes ? String.format(Locale.ROOT, "%.0f B", e.getValue() / (double) calls) : "",
                e.getKey()));
    }
}
