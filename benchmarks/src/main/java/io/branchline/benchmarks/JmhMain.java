package io.branchline.benchmarks;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Runs the JMH benchmarks with short settings (1 fork, 3 × 1 s warm-up, 3 × 1 s measurement; the end-to-end call
 * and the telemetry burst keep their annotations' longer settings; a few minutes in all)
 * and the GC profiler, prints each benchmark with its error in percent of its score and its ratio to the baseline
 * of its class (the method named {@code baseline*}, with the same parameters or a subset of them) and writes
 * {@code results/jmh.md} and {@code results/jmh.csv}.
 *
 * <pre>
 * mvn -B -q -o -pl benchmarks package -Dmaven.javadoc.skip=true
 * mvn -pl benchmarks exec:java                                   # every benchmark
 * mvn -pl benchmarks exec:java -Dexec.args="PlanSelection"       # regular expressions select benchmarks
 * mvn -pl benchmarks exec:java -Dexec.args="--full"              # the iteration counts of the annotations
 * java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" io.branchline.benchmarks.JmhMain
 * </pre>
 * Options: {@code --full} (annotation settings), {@code --no-gc} (no allocation profiling), {@code --out DIR}.
 */
public final class JmhMain {
    private JmhMain() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        List<String> includes = new ArrayList<>();
        boolean full = false;
        boolean gc = true;
        Path out = defaultResults();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--full": full = true; break;
                case "--no-gc": gc = false; break;
                case "--out": out = Path.of(args[++i]); break;
                default:
                    if (args[i].startsWith("-")) {
                        throw new IllegalArgumentException("unknown option " + args[i]
                            + "; expected --full, --no-gc, --out DIR or benchmark regular expressions");
                    }
                    includes.add(args[i]);
            }
        }
        exposeClassPathToForks();
        List<RunResult> results = new ArrayList<>();
        String telemetry = TelemetryEnqueueBenchmark.class.getSimpleName();
        String endToEnd = EndToEndCallBenchmark.class.getSimpleName();
        // AverageTime benchmarks: short settings unless --full
        results.addAll(run(includes, b -> !b.equals(telemetry) && !b.equals(endToEnd), full, gc));
        // the single-shot telemetry burst keeps its own iteration counts (each shot is one burst of 4096)
        results.addAll(run(includes, telemetry::equals, true, gc));
        // a loopback call varies with the machine's load: the end-to-end benchmark always runs long enough for an
        // error under 5 % (its annotations)
        results.addAll(run(includes, endToEnd::equals, true, gc));
        report(results, out);
    }

    private static Collection<RunResult> run(List<String> includes, java.util.function.Predicate<String> group,
        boolean full, boolean gc) throws RunnerException {
        List<String> selected = new ArrayList<>();
        List<String> all = List.of(PlanSelectionBenchmark.class.getSimpleName(),
            ListenerDispatchBenchmark.class.getSimpleName(), EnvelopeSerializationBenchmark.class.getSimpleName(),
            TelemetryEnqueueBenchmark.class.getSimpleName(), EndToEndCallBenchmark.class.getSimpleName());
        for (String b : all) {
            if (!group.test(b)) {
                continue;
            }
            if (includes.isEmpty() || includes.stream().anyMatch(p -> b.matches(".*" + p + ".*"))) {
                selected.add(b);
            }
        }
        if (selected.isEmpty()) {
            return List.of();
        }
        ChainedOptionsBuilder o = new OptionsBuilder().forks(1).shouldFailOnError(true)
            .jvmArgsAppend("-Xmx1g", "-XX:+UseParallelGC");
        for (String b : selected) {
            o.include("io\\.branchline\\.benchmarks\\." + b + "\\.");
        }
        if (!full) {
            o.warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1));
        }
        if (gc) {
            o.addProfiler(GCProfiler.class);
        }
        return new Runner(o.build()).run();
    }

    private static void report(List<RunResult> results, Path dir) throws IOException {
        Map<String, RunResult> byKey = new LinkedHashMap<>();
        for (RunResult r : results) {
            byKey.put(key(r), r);
        }
        List<String[]> rows = new ArrayList<>();
        for (RunResult r : results) {
            String bench = r.getParams().getBenchmark();
            String cls = bench.substring(0, bench.lastIndexOf('.'));
            String method = bench.substring(bench.lastIndexOf('.') + 1);
            String params = params(r);
            RunResult base = null;
            for (RunResult c : results) {
                String cb = c.getParams().getBenchmark();
                // a baseline without a parameter (the bare client has no router) is the baseline for every value of it
                if (cb.startsWith(cls + ".baseline") && paramMap(r).entrySet().containsAll(paramMap(c).entrySet())) {
                    base = c;
                }
            }
            Result p = r.getPrimaryResult();
            double alloc = allocation(r);
            String ratio = base == null ? "" : String.format(Locale.ROOT, "%.2f",
                p.getScore() / base.getPrimaryResult().getScore());
            rows.add(new String[] {cls.substring(cls.lastIndexOf('.') + 1), method, params,
                String.format(Locale.ROOT, "%.3f", p.getScore()),
                Double.isNaN(p.getScoreError()) ? "" : String.format(Locale.ROOT, "%.3f", p.getScoreError()),
                Double.isNaN(p.getScoreError()) ? "" : String.format(Locale.ROOT, "%.1f",
                    100 * p.getScoreError() / p.getScore()),
                p.getScoreUnit(), Double.isNaN(alloc) ? "" : String.format(Locale.ROOT, "%.1f", alloc),
                base == null ? "" : base.getParams().getBenchmark().substring(cls.length() + 1), ratio});
        }
        String[] header = {"benchmark", "method", "params", "score", "error", "error %", "unit", "B/op", "baseline",
            "ratio"};
        StringBuilder md = new StringBuilder("# JMH results\n\nMachine: ").append(Machine.describe())
            .append("\n\n| ").append(String.join(" | ", header)).append(" |\n|")
            .append(" --- |".repeat(header.length)).append('\n');
        for (String[] row : rows) {
            md.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        System.out.println();
        System.out.println(md);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("jmh.md"), md);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve("jmh.csv")))) {
            w.println(String.join(",", header));
            for (String[] row : rows) {
                w.println(java.util.Arrays.stream(row).map(JmhMain::csv).collect(Collectors.joining(",")));
            }
        }
        System.out.println("Wrote " + dir.resolve("jmh.md") + " and " + dir.resolve("jmh.csv"));
    }

    private static String key(RunResult r) {
        return r.getParams().getBenchmark() + params(r);
    }

    private static Map<String, String> paramMap(RunResult r) {
        Map<String, String> p = new TreeMap<>();
        for (String k : r.getParams().getParamsKeys()) {
            p.put(k, r.getParams().getParam(k));
        }
        return p;
    }

    private static String params(RunResult r) {
        return paramMap(r).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(" "));
    }

    private static double allocation(RunResult r) {
        for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
            if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                return e.getValue().getScore();
            }
        }
        return Double.NaN;
    }

    static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    /** {@code results/} of the benchmarks module, whether started from the module or from the repository root. */
    static Path defaultResults() {
        Path cwd = Path.of("").toAbsolutePath();
        if (Files.isDirectory(cwd.resolve("benchmarks").resolve("src"))) {
            return cwd.resolve("benchmarks").resolve("results");
        }
        return cwd.resolve("results");
    }

    /**
     * JMH forks a JVM with {@code java.class.path}; under {@code mvn exec:java} the classes come from Maven's class
     * loader instead, so hand its URLs to the forks.
     */
    static void exposeClassPathToForks() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (System.getProperty("java.class.path", "").contains("jmh-core") || !(cl instanceof URLClassLoader)) {
            return;
        }
        List<String> entries = new ArrayList<>();
        for (URL u : ((URLClassLoader) cl).getURLs()) {
            try {
                entries.add(Path.of(u.toURI()).toString());
            } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                // not a file: skip
            }
        }
        System.setProperty("java.class.path", String.join(java.io.File.pathSeparator, entries));
    }
}
