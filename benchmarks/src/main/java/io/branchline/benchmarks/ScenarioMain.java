package io.branchline.benchmarks;

import io.branchline.benchmarks.Callers.Caller;
import io.branchline.routing.HealthProbeOptions;
import io.branchline.routing.NearestRegionRouter;
import io.branchline.telemetry.AzureMonitorExporter;
import io.branchline.telemetry.ExporterStats;
import io.branchline.testkit.Fault;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.SimulatedRegion;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongPredicate;

/**
 * Failover scenarios of issue 6, each run for Branchline and the two baselines (bare azure-core client; the same
 * wrapped by hand in resilience4j) one after another in the same JVM, on testkit regions on loopback. Prints a
 * Markdown table per scenario with PASS/FAIL against the targets and writes {@code results/scenarios.md}
 * and one CSV per scenario.
 *
 * <pre>
 * mvn -B -q -o -pl benchmarks package -Dmaven.javadoc.skip=true
 * mvn -pl benchmarks exec:java -Dexec.mainClass=io.branchline.benchmarks.ScenarioMain                  # about 8 min
 * mvn -pl benchmarks exec:java -Dexec.mainClass=io.branchline.benchmarks.ScenarioMain -Dexec.args="--quick"
 * mvn -pl benchmarks exec:java -Dexec.mainClass=io.branchline.benchmarks.ScenarioMain -Dexec.args="--only kill,brownout"
 * </pre>
 * Options: {@code --quick} (shorter runs, fewer calls), {@code --only a,b}, {@code --soak-seconds N},
 * {@code --out DIR}. Scenarios: overhead, nearest, coldstart, kill, blackhole, brownout, throttle, cold, linkdown,
 * telemetry, soak.
 * Branchline runs with every routing default; the only settings changed are the connect and response timeouts,
 * which the baselines use too.
 */
public final class ScenarioMain {
    static final List<String> SCENARIOS = List.of("overhead", "nearest", "coldstart", "kill", "blackhole", "brownout",
        "throttle", "drain", "cold", "linkdown", "telemetry", "soak");
    static final List<String> CLIENTS = List.of("branchline", "bare", "resilience4j");
    static final long MS = 1_000_000L;
    static final long S = 1_000_000_000L;

    private final boolean quick;
    private final int soakSeconds;
    private final Path out;
    private final StringBuilder markdown = new StringBuilder();
    private final Map<String, List<String>> verdicts = new LinkedHashMap<>();

    private ScenarioMain(boolean quick, int soakSeconds, Path out) {
        this.quick = quick;
        this.soakSeconds = soakSeconds;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Integer soak = null;
        Set<String> only = new LinkedHashSet<>(SCENARIOS);
        Path out = JmhMain.defaultResults();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick": quick = true; break;
                case "--only":
                    only = new LinkedHashSet<>(Arrays.asList(args[++i].split(",")));
                    for (String s : only) {
                        if (!SCENARIOS.contains(s)) {
                            throw new IllegalArgumentException("unknown scenario " + s + "; expected " + SCENARIOS);
                        }
                    }
                    break;
                case "--soak-seconds": soak = Integer.parseInt(args[++i]); break;
                case "--out": out = Path.of(args[++i]); break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i]
                        + "; expected --quick, --only a,b, --soak-seconds N, --out DIR");
            }
        }
        ScenarioMain m = new ScenarioMain(quick, soak != null ? soak : quick ? 10 : 60, out);
        Files.createDirectories(out);
        m.markdown.append("# Branchline failover scenarios\n\n")
            .append("Run ").append(Instant.now()).append(quick ? " (--quick)" : "").append(". Machine: ")
            .append(Machine.describe()).append(". All traffic on loopback to testkit regions.\n\nClients:\n");
        Callers.descriptions().entrySet().stream().sorted(Map.Entry.comparingByKey())
            .forEach(e -> m.markdown.append("- **").append(e.getKey()).append("**: ").append(e.getValue()).append('\n'));
        System.out.println("Machine: " + Machine.describe());
        long t0 = System.nanoTime();
        for (String s : only) {
            System.out.println("\n=== " + s + " ===");
            try {
                switch (s) {
                    case "overhead": m.overhead(); break;
                    case "nearest": m.nearest(); break;
                    case "coldstart": m.coldStart(); break;
                    case "kill": m.outage("kill", Fault.down()); break;
                    case "blackhole": m.outage("blackhole", Fault.blackhole()); break;
                    case "brownout": m.brownout(); break;
                    case "throttle": m.throttle(); break;
                    case "drain": m.drain(); break;
                    case "cold": BranchSideScenarios.cold(m); break;
                    case "linkdown": BranchSideScenarios.linkDown(m); break;
                    case "telemetry": m.telemetry(); break;
                    case "soak": m.soak(); break;
                    default: throw new IllegalStateException(s);
                }
            } catch (Exception e) {
                e.printStackTrace();
                m.verdict(s, "FAIL: the scenario did not complete: " + e);
            }
        }
        m.markdown.append("\n## Summary\n\n");
        m.verdicts.forEach((s, v) -> v.forEach(line -> m.markdown.append("- ").append(s).append(": ").append(line)
            .append('\n')));
        m.markdown.append("\nTotal run time ").append((System.nanoTime() - t0) / S).append(" s\n");
        Files.writeString(out.resolve("scenarios.md"), m.markdown);
        System.out.println("\n## Summary");
        m.verdicts.forEach((s, v) -> v.forEach(line -> System.out.println("- " + s + ": " + line)));
        System.out.println("Wrote " + out.resolve("scenarios.md"));
        System.exit(0);
    }

    // ------------------------------------------------------------------------------------------ infrastructure

    /** A topology of simulated regions, fresh for each client. */
    static RegionSimulator regions(long... latencyMillis) {
        RegionSimulator.Builder b = RegionSimulator.builder().recordedRequestLimit(0);
        String[] names = {"near", "mid", "far"};
        for (int i = 0; i < latencyMillis.length; i++) {
            b.region(names[i], Duration.ofMillis(latencyMillis[i]));
        }
        return b.build();
    }

    /** Listeners go to Branchline only. */
    static Caller caller(String client, RegionSimulator sim, io.branchline.core.CallListener... listeners) {
        switch (client) {
            case "branchline": return Callers.branchline(sim.regions(), listeners);
            case "bare": return Callers.bare(sim.regions());
            case "resilience4j": return Callers.resilience4j(sim.regions());
            default: throw new IllegalArgumentException(client);
        }
    }

    /** Something to do at an offset from the run's origin; {@link #at} is filled with the nanos it really ran at. */
    static final class Action {
        final long offsetNanos;
        final Runnable task;
        volatile long at = -1;

        Action(long offsetNanos, Runnable task) {
            this.offsetNanos = offsetNanos;
            this.task = task;
        }
    }

    static final class Run {
        LoadResult result;
        long origin;
        final AtomicInteger inFlight = new AtomicInteger();
        /** CPU nanoseconds and allocated bytes of the load threads, each measured by the thread itself. */
        final AtomicLong loadCpu = new AtomicLong();
        final AtomicLong loadAllocated = new AtomicLong();
    }

    /**
     * Closed-loop load: {@code concurrency} threads call until {@code durationNanos} passed or {@code maxCalls}
     * calls were made, while the actions run on their schedule. Hard stop: the duration plus 30 s.
     */
    static Run load(Caller caller, int concurrency, long durationNanos, long maxCalls, List<Action> actions)
        throws InterruptedException {
        Run run = new Run();
        List<List<long[]>> perThread = new ArrayList<>();
        AtomicLong budget = new AtomicLong(maxCalls);
        CountDownLatch done = new CountDownLatch(concurrency);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "scenario-timer");
            t.setDaemon(true);
            return t;
        });
        run.origin = System.nanoTime();
        long deadline = run.origin + durationNanos;
        for (Action a : actions) {
            timer.schedule(() -> {
                a.at = System.nanoTime() - run.origin;
                a.task.run();
            }, Math.max(0, a.offsetNanos - (System.nanoTime() - run.origin)), TimeUnit.NANOSECONDS);
        }
        for (int t = 0; t < concurrency; t++) {
            List<long[]> rows = new ArrayList<>(1 << 14);
            perThread.add(rows);
            Thread th = new Thread(() -> {
                long cpu0 = ThreadCost.currentThreadCpu();
                long alloc0 = ThreadCost.currentThreadAllocated();
                try {
                    while (System.nanoTime() < deadline && budget.decrementAndGet() >= 0) {
                        long s = System.nanoTime();
                        run.inFlight.incrementAndGet();
                        int region = caller.call();
                        run.inFlight.decrementAndGet();
                        long e = System.nanoTime();
                        rows.add(new long[] {s - run.origin, e - run.origin, region});
                    }
                } finally {
                    run.loadCpu.addAndGet(ThreadCost.currentThreadCpu() - cpu0);
                    run.loadAllocated.addAndGet(ThreadCost.currentThreadAllocated() - alloc0);
                    done.countDown();
                }
            }, "scenario-load-" + t);
            th.setDaemon(true);
            th.start();
        }
        if (!done.await(durationNanos + 30 * S, TimeUnit.NANOSECONDS)) {
            System.err.println("load did not stop within 30 s after its duration: some calls hang; reporting what ended");
        }
        timer.shutdownNow();
        List<long[]> all = new ArrayList<>();
        for (List<long[]> rows : perThread) {
            synchronized (rows) {
                all.addAll(rows);
            }
        }
        run.result = new LoadResult(all);
        return run;
    }

    static void warmUp(Caller caller, int concurrency, long nanos) throws InterruptedException {
        load(caller, concurrency, nanos, Long.MAX_VALUE, List.of());
    }

    static String ms(long nanos) {
        return nanos < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }

    static String pct(double f) {
        return String.format(Locale.ROOT, "%.1f %%", f * 100);
    }

    static LongPredicate between(long from, long to) {
        return t -> t >= from && t < to;
    }

    void table(String scenario, String title, List<String> header, List<List<String>> rows, String notes)
        throws IOException {
        StringBuilder md = new StringBuilder("\n## ").append(title).append("\n\n| ").append(String.join(" | ", header))
            .append(" |\n|").append(" --- |".repeat(header.size())).append('\n');
        for (List<String> r : rows) {
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        if (notes != null) {
            md.append('\n').append(notes).append('\n');
        }
        for (String v : verdicts.getOrDefault(scenario, List.of())) {
            md.append("\n**").append(v).append("**\n");
        }
        System.out.print(md);
        markdown.append(md);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("scenario-" + scenario + ".csv")))) {
            w.println(String.join(",", header));
            for (List<String> r : rows) {
                w.println(String.join(",", r.stream().map(JmhMain::csv).toList()));
            }
        }
    }

    private void verdict(String scenario, String line) {
        verdicts.computeIfAbsent(scenario, k -> new ArrayList<>()).add(line);
    }

    void check(String scenario, boolean pass, String what) {
        verdict(scenario, (pass ? "PASS" : "FAIL") + ": " + what);
    }

    /** CPU time of every live thread except the simulators' and the ingestion endpoint's, in nanoseconds. */
    static Map<Long, Long> clientThreadCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        for (var info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null || info.getThreadName().startsWith("branchline-sim")
                || info.getThreadName().startsWith("branchline-ingestion")) {
                continue;
            }
            long t = mx.getThreadCpuTime(info.getThreadId());
            if (t >= 0) {
                cpu.put(info.getThreadId(), t);
            }
        }
        return cpu;
    }

    static long cpuDelta(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }

    static long processCpu() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        return -1;
    }

    static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return mem.getHeapMemoryUsage().getUsed();
    }

    // ------------------------------------------------------------------------------------------ scenarios

    /**
     * Per-call cost of Branchline against the bare azure-core client on one loopback region. The clients are warmed
     * up, then take turns in {@code rounds} rounds (each round in a rotated order) so JIT, GC and the machine's
     * background load fall on all of them alike. Each round gives, per client, p50, client CPU per call and bytes
     * allocated per call (load threads measure themselves; the client's other threads by {@link ThreadCost}); the
     * targets compare the medians over rounds, and the per-round ratios show how far one round can be trusted.
     */
    private void overhead() throws Exception {
        int callsPerRound = quick ? 2_000 : 10_000;
        int warm = quick ? 3_000 : 30_000;
        int rounds = quick ? 4 : 8;
        List<List<String>> rows = new ArrayList<>();
        List<List<String>> roundRows = new ArrayList<>();
        StringBuilder loads = new StringBuilder();
        for (int concurrency : new int[] {1, 16}) {
            Map<String, RegionSimulator> sims = new HashMap<>();
            Map<String, Caller> callers = new HashMap<>();
            // per client: one {p50 µs, client CPU µs/call, B/call, process CPU µs/call, p99 µs} per round
            Map<String, List<double[]>> perRound = new HashMap<>();
            Map<String, Integer> failed = new HashMap<>();
            double load0 = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            try {
                for (String client : CLIENTS) {
                    RegionSimulator sim = regions(0);
                    sims.put(client, sim);
                    callers.put(client, caller(client, sim));
                    perRound.put(client, new ArrayList<>());
                }
                for (String client : CLIENTS) {
                    load(callers.get(client), concurrency, 60 * S, warm, List.of());
                }
                for (int round = 0; round < rounds; round++) {
                    for (int k = 0; k < CLIENTS.size(); k++) {
                        String client = CLIENTS.get((round + k) % CLIENTS.size());
                        ThreadCost before = ThreadCost.snapshot();
                        long p0 = processCpu();
                        Run run = load(callers.get(client), concurrency, 120 * S, callsPerRound, List.of());
                        long[] threads = ThreadCost.snapshot().since(before);
                        long process = processCpu() - p0;
                        LoadResult r = run.result;
                        failed.merge(client, r.failed(), Integer::sum);
                        double n = r.size;
                        double[] f = {r.percentile(0.5) / 1e3, (threads[0] + run.loadCpu.get()) / 1e3 / n,
                            (threads[1] + run.loadAllocated.get()) / n, process / 1e3 / n, r.percentile(0.99) / 1e3};
                        perRound.get(client).add(f);
                        roundRows.add(List.of(Integer.toString(concurrency), Integer.toString(round + 1), client,
                            Integer.toString(r.size), fmt(f[0], 0), fmt(f[1], 1), fmt(f[2], 0), fmt(f[3], 1),
                            fmt(f[4], 0)));
                    }
                }
            } finally {
                for (Caller c : callers.values()) {
                    c.close();
                }
                for (RegionSimulator sim : sims.values()) {
                    sim.close();
                }
            }
            double load1 = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            loads.append(loads.length() == 0 ? "" : ", ").append("concurrency ").append(concurrency).append(": ")
                .append(fmt(load0, 2)).append(" → ").append(fmt(load1, 2));
            List<double[]> bare = perRound.get("bare");
            for (String client : CLIENTS) {
                List<double[]> mine = perRound.get(client);
                double[] p50Ratio = ratioOfMedians(mine, bare, 0);
                double[] cpuRatio = ratioOfMedians(mine, bare, 1);
                double allocOver = median(mine, 2) - median(bare, 2);
                rows.add(List.of(client, Integer.toString(concurrency), rounds + " × " + callsPerRound,
                    Integer.toString(failed.getOrDefault(client, 0)), medianRange(mine, 0, 0), fmt(median(mine, 4), 0),
                    medianRange(mine, 1, 1), medianRange(mine, 2, 0), fmt(median(mine, 3), 1),
                    ratio(p50Ratio), ratio(cpuRatio), (allocOver >= 0 ? "+" : "") + fmt(allocOver, 0)));
                if (client.equals("branchline")) {
                    check("overhead", p50Ratio[0] <= 1.10, "concurrency " + concurrency + ": p50 " + fmt(p50Ratio[0], 2)
                        + "× bare, ratio of medians over " + rounds + " rounds (target ≤ 1.10×)");
                    check("overhead", cpuRatio[0] <= 1.10, "concurrency " + concurrency + ": client CPU/call "
                        + fmt(cpuRatio[0], 2) + "× bare, ratio of medians over " + rounds + " rounds (target ≤ 1.10×)");
                    check("overhead", allocOver <= 1024, "concurrency " + concurrency + ": allocation "
                        + fmt(median(mine, 2), 0) + " B/call vs bare " + fmt(median(bare, 2), 0) + " B/call, "
                        + (allocOver >= 0 ? "+" : "") + fmt(allocOver, 0) + " B (target ≤ +1024 B)");
                }
            }
        }
        table("overhead", "overhead: 1 region, no delay, " + rounds + " interleaved rounds of " + callsPerRound
            + " calls per client", List.of("client", "concurrency", "rounds × calls", "failed", "p50 µs",
            "p99 µs", "client CPU/call µs", "allocated B/call", "process CPU/call µs", "p50 × bare", "CPU × bare",
            "B/call − bare"), rows, "Median over the rounds, (min–max) in brackets. × bare: ratio of the medians,"
            + " then the median and range of the ratios of each round. Client CPU and allocated bytes: the load"
            + " threads (each measured by itself) plus every other live thread except the region simulator's,"
            + " from com.sun.management.ThreadMXBean; process CPU also counts the simulator, GC and JIT. p99: median"
            + " over the rounds. Warm-up: " + warm + " calls per client. Load average during the runs: " + loads
            + ".");
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("scenario-overhead-rounds.csv")))) {
            w.println("concurrency,round,client,calls,p50 us,client CPU/call us,allocated B/call,process CPU/call us,"
                + "p99 us");
            for (List<String> r : roundRows) {
                w.println(String.join(",", r));
            }
        }
    }

    static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static double median(List<double[]> rounds, int field) {
        double[] v = rounds.stream().mapToDouble(f -> f[field]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String medianRange(List<double[]> rounds, int field, int decimals) {
        double min = rounds.stream().mapToDouble(f -> f[field]).min().orElse(Double.NaN);
        double max = rounds.stream().mapToDouble(f -> f[field]).max().orElse(Double.NaN);
        return fmt(median(rounds, field), decimals) + " (" + fmt(min, decimals) + "–" + fmt(max, decimals) + ")";
    }

    /** {ratio of the medians, median, min and max of the per-round ratios}; rounds are paired by index. */
    static double[] ratioOfMedians(List<double[]> mine, List<double[]> base, int field) {
        List<double[]> ratios = new ArrayList<>();
        for (int i = 0; i < mine.size(); i++) {
            ratios.add(new double[] {mine.get(i)[field] / base.get(i)[field]});
        }
        return new double[] {median(mine, field) / median(base, field), median(ratios, 0),
            ratios.stream().mapToDouble(f -> f[0]).min().orElse(Double.NaN),
            ratios.stream().mapToDouble(f -> f[0]).max().orElse(Double.NaN)};
    }

    static String ratio(double[] r) {
        return fmt(r[0], 2) + "; rounds " + fmt(r[1], 2) + " (" + fmt(r[2], 2) + "–" + fmt(r[3], 2) + ")";
    }

    private void nearest() throws Exception {
        long dur = (quick ? 5 : 15) * S;
        List<List<String>> rows = new ArrayList<>();
        for (String client : CLIENTS) {
            try (RegionSimulator sim = regions(5, 20, 60); Caller c = caller(client, sim)) {
                warmUp(c, 8, 2 * S);
                LoadResult r = load(c, 8, dur, Long.MAX_VALUE, List.of()).result;
                rows.add(List.of(client, Integer.toString(r.size), Integer.toString(r.failed()), pct(r.share(0)),
                    pct(r.share(1)), pct(r.share(2)), ms(r.percentile(0.5)), ms(r.percentile(0.99))));
                if (client.equals("branchline")) {
                    check("nearest", r.share(0) >= 0.99, pct(r.share(0)) + " of calls on the nearest (target ≥ 99 %)");
                }
            }
        }
        table("nearest", "nearest: 3 regions at 5 / 20 / 60 ms, concurrency 8, " + dur / S + " s",
            List.of("client", "calls", "failed", "near (5 ms)", "mid (20 ms)", "far (60 ms)", "p50 ms", "p99 ms"),
            rows, "After a 2 s warm-up.");
    }

    /** coldstart: fresh JVMs, every default, {@code awaitReady}, then the first 1,000 calls. */
    private void coldStart() throws Exception {
        int runs = quick ? 3 : 10;
        List<ColdStartScenario.Result> results = ColdStartScenario.run(runs);
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            ColdStartScenario.Result r = results.get(i);
            rows.add(List.of(Integer.toString(i + 1), Long.toString(r.buildMillis()), Long.toString(r.readyMillis()),
                Long.toString(r.sinceJvmStartMillis()), pct(r.share()), Integer.toString(r.failed())));
        }
        double worstShare = results.stream().mapToDouble(ColdStartScenario.Result::share).min().orElse(0);
        long worstReady = results.stream().mapToLong(ColdStartScenario.Result::readyMillis).max().orElse(-1);
        boolean allReady = results.stream().allMatch(ColdStartScenario.Result::ready);
        check("coldstart", worstShare >= 0.99 && allReady, "lowest share of the first " + ColdStartScenario.CALLS
            + " calls on the nearest " + pct(worstShare) + " over " + runs + " fresh JVMs (target ≥ 99 % in every run)");
        check("coldstart", worstReady >= 0 && worstReady <= 2_000, "slowest ready " + worstReady
            + " ms after the client was built (target ≤ 2000 ms); load average " + Machine.loadAverage());
        table("coldstart", "coldstart: " + runs + " fresh JVMs, regions at 5 / 20 / 60 ms, every routing default,"
            + " awaitReady then " + ColdStartScenario.CALLS + " calls", List.of("run", "buildClient ms", "ready after ms (client built)",
            "ready after ms (JVM start)", "first " + ColdStartScenario.CALLS + " calls on the nearest", "failed"), rows,
            "Branchline only: the baselines have no ranking to wait for.");
    }

    /** kill and blackhole: the nearest fails at 3 s and returns at 8 s. */
    private void outage(String name, Fault fault) throws Exception {
        long faultAt = 3 * S;
        long backAt = 8 * S;
        // failback takes the default dwell (10 s) and slow start (10 s), counted from the first passed probe
        long failbackTarget = NearestRegionRouter.DEFAULT_FAILBACK_DWELL.toNanos()
            + NearestRegionRouter.DEFAULT_SLOW_START.toNanos() + S;
        long dur = backAt + failbackTarget + 6 * S;
        List<List<String>> rows = new ArrayList<>();
        EventLog events = new EventLog();
        String eventNotes = "";
        for (String client : CLIENTS) {
            try (RegionSimulator sim = regions(5, 20, 60); Caller c = caller(client, sim, events)) {
                SimulatedRegion near = sim.region("near");
                warmUp(c, 8, 2 * S);
                Action down = new Action(faultAt, () -> near.fault(fault));
                Action up = new Action(backAt, near::restore);
                Run run = load(c, 8, dur, Long.MAX_VALUE, List.of(down, up));
                LoadResult r = run.result;
                if (client.equals("branchline")) {
                    eventNotes = "\n\nBranchline router events (fault at " + down.at / MS + " ms, return at " + up.at / MS
                        + " ms): " + events.since(run.origin);
                }
                long f = down.at;
                long b = up.at;
                LongPredicate during = between(f, b);
                long p99 = r.percentile(0.99, during);
                long max = r.max(during);
                long second = r.firstServedElsewhere(0, f);
                long back = r.firstWindowMostlyOn(0, b, 200 * MS, 0.9);
                rows.add(List.of(client, Integer.toString(r.size), Integer.toString(r.failed()),
                    Integer.toString(r.failed(during)), ms(p99), ms(max), second < 0 ? "never" : ms(second - f),
                    back < 0 ? "never" : ms(back - b), pct(r.share(0))));
                if (client.equals("branchline")) {
                    long p99Target = name.equals("kill") ? 30 * MS : 100 * MS;
                    check(name, r.failed() == 0, r.failed() + " failed idempotent calls (target 0)");
                    check(name, p99 >= 0 && p99 <= p99Target, "p99 during the fault " + ms(p99) + " ms (target ≤ "
                        + p99Target / MS + " ms)");
                    if (name.equals("kill")) {
                        check(name, second >= 0 && second - f <= 250 * MS, "on the 2nd region after "
                            + (second < 0 ? "never" : ms(second - f) + " ms") + " (target ≤ 250 ms)");
                        check(name, back >= 0 && back - b <= failbackTarget, "back on the nearest "
                            + (back < 0 ? "never" : ms(back - b) + " ms") + " after its return (target ≤ dwell 10 s"
                            + " + slow start 10 s + 1 s; the dwell starts at the first probe that sees it back, a region"
                            + " that is out being probed every " + HealthProbeOptions.DEFAULT_UNHEALTHY_INTERVAL.toMillis()
                            + " ms ± 20 %)");
                    }
                }
            }
        }
        table(name, name + ": concurrency 8, nearest " + (name.equals("kill") ? "DOWN (refused)" : "BLACKHOLE (accepts,"
            + " never answers)") + " from 3 s to 8 s, " + dur / S + " s",
            List.of("client", "calls", "failed", "failed during fault", "p99 during fault ms", "max during fault ms",
                "on 2nd region after ms", "back on nearest after ms", "share on nearest"), rows,
            "During the fault: calls that started between the fault and the return. On 2nd region: first call that"
                + " ended successfully on another region, after the fault. Back on nearest: end of the first 200 ms"
                + " window after the return in which ≥ 90 % of the calls that started were served by the nearest."
                + eventNotes);
    }

    private void brownout() throws Exception {
        long startAt = 2 * S;
        long dur = (quick ? 8 : 14) * S;
        List<List<String>> rows = new ArrayList<>();
        for (String client : CLIENTS) {
            try (RegionSimulator sim = regions(5, 20, 60); Caller c = caller(client, sim)) {
                SimulatedRegion near = sim.region("near");
                warmUp(c, 8, 2 * S);
                long[] sent = new long[2];
                Action brown = new Action(startAt, () -> {
                    near.tail(0.10, Duration.ofSeconds(1));
                    sent[0] = total(sim);
                });
                LoadResult r = load(c, 8, dur, Long.MAX_VALUE, List.of(brown)).result;
                sent[1] = total(sim);
                LongPredicate in = t -> t >= brown.at;
                int calls = r.count(in);
                double perCall = (sent[1] - sent[0]) / (double) calls;
                long p99 = r.percentile(0.99, in);
                rows.add(List.of(client, Integer.toString(calls), Integer.toString(r.failed(in)),
                    ms(r.percentile(0.5, in)), ms(p99), ms(r.percentile(0.999, in)),
                    String.format(Locale.ROOT, "%.3f", perCall)));
                if (client.equals("branchline")) {
                    check("brownout", p99 >= 0 && p99 <= 75 * MS, "p99 " + ms(p99) + " ms (target ≤ 75 ms)");
                    check("brownout", perCall <= 1.15, String.format(Locale.ROOT, "%.3f", perCall)
                        + " requests per call (target ≤ 1.15)");
                }
            }
        }
        table("brownout", "brownout: 3 regions at 5 / 20 / 60 ms, concurrency 8, 10 % of the nearest's requests"
            + " delayed 1 s from 2 s on, " + dur / S + " s", List.of("client", "calls in brownout", "failed", "p50 ms",
            "p99 ms", "p99.9 ms", "requests / call"), rows, "Requests: function requests received by all regions"
            + " while the brownout lasted (health probes excluded).");
    }

    static long total(RegionSimulator sim) {
        long n = 0;
        for (SimulatedRegion r : sim.regions()) {
            n += r.requestCount();
        }
        return n;
    }

    private void throttle() throws Exception {
        long startAt = 3 * S;
        long endAt = 6 * S;
        long dur = 9 * S;
        List<List<String>> rows = new ArrayList<>();
        for (String client : CLIENTS) {
            try (RegionSimulator sim = regions(5, 20, 60); Caller c = caller(client, sim)) {
                SimulatedRegion near = sim.region("near");
                warmUp(c, 8, 2 * S);
                long[] count = new long[3];
                int[] inFlight = new int[1];
                Run[] holder = new Run[1];
                Action on = new Action(startAt, () -> {
                    count[0] = near.requestCount();
                    near.fault(Fault.throttle(Duration.ofSeconds(2)));
                });
                Action retryAfterOver = new Action(startAt + 2 * S, () -> count[1] = near.requestCount());
                Action off = new Action(endAt, () -> {
                    count[2] = near.requestCount();
                    near.restore();
                });
                // in-flight calls when the throttle starts: the nearest answers 429 at once, so the first 429
                // arrives to one of these
                Action sample = new Action(startAt, () -> inFlight[0] = holder[0] == null ? 8 : holder[0].inFlight.get());
                Run run = load(c, 8, dur, Long.MAX_VALUE, List.of(sample, on, retryAfterOver, off));
                holder[0] = run;
                LoadResult r = run.result;
                long duringRetryAfter = count[1] - count[0];
                long duringThrottle = count[2] - count[0];
                int flight = inFlight[0] == 0 ? 8 : inFlight[0];
                rows.add(List.of(client, Integer.toString(r.size), Integer.toString(r.failed()),
                    Integer.toString(r.failed(between(on.at, off.at))),
                    duringRetryAfter + " (counted until +" + (retryAfterOver.at - on.at) / MS + " ms)",
                    Long.toString(duringThrottle), Integer.toString(flight),
                    ms(r.percentile(0.99, between(on.at, off.at)))));
                if (client.equals("branchline")) {
                    check("throttle", r.failed() == 0, r.failed() + " failed calls (target 0)");
                    check("throttle", duringRetryAfter <= flight, duringRetryAfter + " requests to the throttled"
                        + " region during the first Retry-After (2 s) vs " + flight + " calls in flight at the first"
                        + " 429 (target ≤)");
                }
            }
        }
        table("throttle", "throttle: 3 regions at 5 / 20 / 60 ms, concurrency 8, the nearest answers 429 with"
            + " Retry-After: 2 from 3 s to 6 s", List.of("client", "calls", "failed", "failed while throttled",
            "requests to nearest in first Retry-After", "requests to nearest while throttled",
            "calls in flight at first 429", "p99 while throttled ms"), rows,
            "In flight at the first 429: the load's closed-loop concurrency, 8 (every worker has a call in flight at"
                + " the switch; the nearest answers 429 at once).");
    }

    /**
     * An operator drains the nearest region through the branch's control file at 3 s under load at concurrency 8
     * (Branchline only: the baselines have no run-time control); every other routing setting is a default.
     */
    private void drain() throws Exception {
        DrainScenario.Result r = DrainScenario.run((quick ? 6 : 8) * S);
        long lastAfter = r.lastStartOnDrained() < 0 ? -1 : r.lastStartOnDrained() - r.drainWrittenAt();
        table("drain", "drain: 3 regions at 5 / 20 / 60 ms, concurrency 8, the nearest drained at 3 s by writing"
            + " exclude=near into the control file", List.of("client", "calls", "failed", "share on nearest before",
            "change applied after ms", "last call started on the drained region, after the change ms",
            "calls started on it after the change", "calls after the change on the 2nd region"),
            List.of(List.of("branchline", Integer.toString(r.calls()), Integer.toString(r.failed()),
                pct(r.shareOnDrainedBefore()), r.appliedAt() < 0 ? "never" : ms(r.appliedAt() - r.drainWrittenAt()),
                ms(lastAfter), Integer.toString(r.callsStartedOnDrainedAfter()),
                r.onMidAfter() + " of " + r.callsAfter())),
            "The change: the file replaced atomically at 3 s (as configuration management writes it); it is read every"
                + " 250 ms and applied once two reads agree. Last call: the latest start of a call served by the"
                + " drained region, minus the moment the file was written (negative: none started after it).");
        check("drain", r.appliedAt() >= 0 && lastAfter <= 1000 * MS, "last new call on the drained region "
            + ms(lastAfter) + " ms after the change (target ≤ 1000 ms)");
        check("drain", r.failed() == 0, r.failed() + " failed calls (target 0)");
    }

    /**
     * Ingestion goes down for 20 s under load at concurrency 8, then answers again: the drain time is from the moment
     * it answers until the exporter's spool is empty, in each of three runs; every call must end up accepted.
     */
    private void telemetry() throws Exception {
        long downAt = 2 * S;
        long outage = 20 * S;
        long upAt = downAt + outage;
        long dur = upAt + 4 * S;
        int runs = quick ? 1 : 3;
        long drainTarget = 3_000;
        List<List<String>> rows = new ArrayList<>();
        double p50Off = -1;
        double cpuOff = -1;
        try (RegionSimulator sim = regions(2);
             Caller c = Callers.branchline(sim.regions())) {
            warmUp(c, 8, 2 * S);
            Map<Long, Long> cpu0 = clientThreadCpu();
            LoadResult r = load(c, 8, 8 * S, Long.MAX_VALUE, List.of()).result;
            cpuOff = cpuDelta(cpu0, clientThreadCpu()) / 1e3 / r.size;
            p50Off = r.percentile(0.5) / 1e3;
            rows.add(List.of("branchline, no exporter", Integer.toString(r.size), "", "", "", "", "",
                String.format(Locale.ROOT, "%.0f", p50Off), String.format(Locale.ROOT, "%.1f", cpuOff), "", ""));
        }
        for (int run = 1; run <= runs; run++) {
            Path spool = Files.createTempDirectory("branchline-scenario-spool");
            try (RegionSimulator sim = regions(2); IngestionEndpoint ingestion = IngestionEndpoint.start().recordLimit(0)) {
                AzureMonitorExporter exporter = AzureMonitorExporter.builder()
                    .connectionString(ingestion.connectionString()).spoolDirectory(spool).build(); // the defaults
                try (Caller c = Callers.branchline(sim.regions(), exporter)) {
                    warmUp(c, 8, 2 * S);
                    exporter.flush(Duration.ofSeconds(10));
                    long acceptedBefore = ingestion.acceptedCount();
                    AtomicLong maxSpool = new AtomicLong();
                    AtomicLong upNanos = new AtomicLong();
                    AtomicLong drainedNanos = new AtomicLong();
                    List<Action> actions = new ArrayList<>();
                    actions.add(new Action(downAt, ingestion::down));
                    actions.add(new Action(upAt, () -> {
                        ingestion.up();
                        upNanos.set(System.nanoTime());
                    }));
                    for (long t = 0; t < dur; t += 20 * MS) {
                        actions.add(new Action(t, () -> {
                            ExporterStats st = exporter.stats();
                            maxSpool.accumulateAndGet(st.spoolBytes(), Math::max);
                            if (upNanos.get() != 0 && drainedNanos.get() == 0 && st.spoolFiles() == 0) {
                                drainedNanos.set(System.nanoTime());
                            }
                        }));
                    }
                    Map<Long, Long> cpu0 = clientThreadCpu();
                    LoadResult r = load(c, 8, dur, Long.MAX_VALUE, actions).result;
                    double cpu = cpuDelta(cpu0, clientThreadCpu()) / 1e3 / r.size;
                    double p50 = r.percentile(0.5) / 1e3;
                    long deadline = System.nanoTime() + 60 * S;
                    while (drainedNanos.get() == 0 && System.nanoTime() < deadline) {
                        if (exporter.stats().spoolFiles() == 0) {
                            drainedNanos.set(System.nanoTime());
                        }
                        Thread.sleep(10);
                    }
                    long drainMs = drainedNanos.get() == 0 ? -1 : (drainedNanos.get() - upNanos.get()) / 1_000_000;
                    long expected = r.size;
                    while (System.nanoTime() < deadline && ingestion.acceptedCount() - acceptedBefore < expected) {
                        exporter.flush(Duration.ofSeconds(5));
                    }
                    long accepted = ingestion.acceptedCount() - acceptedBefore;
                    ExporterStats stats = exporter.stats();
                    rows.add(List.of("branchline + AzureMonitorExporter, run " + run, Integer.toString(r.size),
                        Long.toString(accepted), Long.toString(stats.spooled()), Long.toString(maxSpool.get()),
                        Long.toString(stats.droppedTotal()), drainMs < 0 ? "not drained" : Long.toString(drainMs),
                        String.format(Locale.ROOT, "%.0f", p50), String.format(Locale.ROOT, "%.1f", cpu),
                        String.format(Locale.ROOT, "%.2f", p50 / p50Off), String.format(Locale.ROOT, "%.2f", cpu / cpuOff)));
                    System.out.println("run " + run + ": drained " + drainMs + " ms after ingestion returned; "
                        + accepted + " items accepted for " + expected + " calls");
                    check("telemetry", drainMs >= 0 && drainMs <= drainTarget, "run " + run + ": spool drained "
                        + drainMs + " ms after ingestion answered again (target ≤ " + drainTarget + " ms)");
                    check("telemetry", accepted == expected, "run " + run + ": " + accepted + " items accepted for "
                        + expected + " calls (target equal); dropped " + stats.dropped());
                    exporter.close();
                }
            }
        }
        rows.add(List.of("bare", "n/a", "", "", "", "", "", "", "", "", ""));
        rows.add(List.of("resilience4j", "n/a", "", "", "", "", "", "", "", "", ""));
        table("telemetry", "telemetry: 1 region at 2 ms, concurrency 8, " + dur / S + " s, ingestion down from "
            + downAt / S + " s to " + upAt / S + " s (" + outage / S + " s), " + runs + " run(s)", List.of("client",
            "calls", "items accepted", "items spooled", "max spool bytes", "dropped", "drain ms after ingestion returns",
            "p50 µs", "client CPU/call µs", "p50 × no exporter", "CPU × no exporter"),
            rows, "The baselines have no Azure Monitor exporter: there is nothing to compare. Caller-side cost: the"
                + " same client without the exporter, 8 s run just before. Drain: from ingestion answering again to"
                + " an empty spool (sampled every 20 ms).");
    }

    private void soak() throws Exception {
        long dur = soakSeconds * S;
        long slot = Math.max(S, dur / 12);
        List<List<String>> rows = new ArrayList<>();
        String failureNotes = "";
        for (String client : CLIENTS) {
            Path spool = Files.createTempDirectory("branchline-soak-spool");
            try (RegionSimulator sim = regions(5, 20, 60); IngestionEndpoint ingestion = IngestionEndpoint.start().recordLimit(0)) {
                SimulatedRegion near = sim.region("near");
                SimulatedRegion mid = sim.region("mid");
                AzureMonitorExporter exporter = client.equals("branchline") ? AzureMonitorExporter.builder()
                    .connectionString(ingestion.connectionString()).spoolDirectory(spool)
                    .flushInterval(Duration.ofMillis(500)).metricsInterval(Duration.ZERO).build() : null;
                int threadsBefore;
                int threadsEnd;
                long heapBefore;
                long heapAfter;
                LoadResult r;
                long accepted = -1;
                try (Caller c = exporter != null ? Callers.branchline(sim.regions(), exporter) : caller(client, sim)) {
                    warmUp(c, 64, 2 * S);
                    heapBefore = usedHeapAfterGc();
                    threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
                    if (exporter != null) {
                        exporter.flush(Duration.ofSeconds(10));
                    }
                    Callers.FAILURES.clear();
                    long acceptedBefore = ingestion.acceptedCount();
                    List<Action> actions = new ArrayList<>();
                    List<Function<Integer, Runnable>> faults = List.of(
                        i -> () -> near.fault(Fault.down()),
                        i -> () -> mid.fault(Fault.blackhole()),
                        i -> () -> near.fault(Fault.serverError(503)),
                        i -> () -> near.fault(Fault.throttle(Duration.ofSeconds(1))),
                        i -> () -> near.tail(0.10, Duration.ofSeconds(1)),
                        i -> () -> mid.fault(Fault.down()));
                    int k = 0;
                    for (long t = slot; t + slot <= dur; t += 2 * slot) {
                        actions.add(new Action(t, faults.get(k++ % faults.size()).apply(k)));
                        actions.add(new Action(t + slot, () -> {
                            near.restore().tail(0, Duration.ZERO);
                            mid.restore();
                        }));
                    }
                    r = load(c, 64, dur, Long.MAX_VALUE, actions).result;
                    threadsEnd = ManagementFactory.getThreadMXBean().getThreadCount();
                    if (exporter != null) {
                        long deadline = System.nanoTime() + 60 * S;
                        while (System.nanoTime() < deadline && ingestion.acceptedCount() - acceptedBefore < r.size) {
                            exporter.flush(Duration.ofSeconds(5));
                            Thread.sleep(200);
                        }
                        accepted = ingestion.acceptedCount() - acceptedBefore;
                    }
                }
                if (exporter != null) {
                    exporter.close();
                    failureNotes = "\n\nWhy Branchline calls failed: " + (Callers.FAILURES.isEmpty() ? "none"
                        : Callers.FAILURES.toString());
                }
                ingestion.clearRecordings(); // the endpoint keeps accepted items: not the client's memory
                heapAfter = usedHeapAfterGc();
                long mib = 1024 * 1024;
                rows.add(List.of(client, Integer.toString(r.size), Integer.toString(r.failed()), ms(r.percentile(0.99)),
                    ms(r.max(t -> true)), Long.toString(heapBefore / mib), Long.toString(heapAfter / mib),
                    Integer.toString(threadsBefore), Integer.toString(threadsEnd),
                    accepted < 0 ? "n/a" : accepted + " / " + r.size));
                if (client.equals("branchline")) {
                    check("soak", r.failed() == 0, r.failed() + " failed idempotent calls while a region was healthy"
                        + " (target 0; the far region is never faulted)");
                    check("soak", heapAfter <= heapBefore + 64 * mib, "heap after GC " + heapBefore / mib + " → "
                        + heapAfter / mib + " MiB (target: no more than 64 MiB growth)");
                    check("soak", threadsEnd <= threadsBefore + 4, "threads " + threadsBefore + " → " + threadsEnd
                        + " (target: no more than 4 more)");
                    check("soak", accepted == r.size, accepted + " telemetry items accepted for " + r.size + " calls");
                }
            }
        }
        table("soak", "soak: 3 regions at 5 / 20 / 60 ms, concurrency 64, " + dur / S + " s of rotating faults ("
            + slot / MS + " ms each, then as long healthy): near down, mid blackhole, near 503, near 429 Retry-After 1,"
            + " near 10 % delayed 1 s, mid down", List.of("client", "calls", "failed", "p99 ms", "max ms",
            "heap MiB before", "heap MiB after", "threads before", "threads at end", "telemetry accepted / calls"),
            rows, "Heap: used after GC, after warm-up and after the run (client closed). Threads: after warm-up and at"
                + " the end of the load (client open). The far region is never faulted." + failureNotes);
    }
}
