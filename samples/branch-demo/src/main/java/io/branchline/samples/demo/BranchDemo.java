package io.branchline.samples.demo;

import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.core.models.RegionHealth;
import io.branchline.core.models.RegionStatus;
import io.branchline.core.models.TimeoutOptions;
import io.branchline.routing.AppConfigurationControl;
import io.branchline.routing.ControlSource;
import io.branchline.routing.HealthProbeOptions;
import io.branchline.routing.NearestRegionRouter;
import io.branchline.telemetry.AzureMonitorExporter;
import io.branchline.telemetry.ConnectionString;
import io.branchline.telemetry.ExporterStats;
import io.branchline.telemetry.FlushResult;
import io.branchline.testkit.AppConfigurationEndpoint;
import io.branchline.testkit.Fault;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.SimulatedRegion;
import io.branchline.testkit.TelemetryItem;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The Branchline demo: a branch's workload against three regions while the nearest goes down, another browns
 * out, the branch's own link drops for a moment (reads read before are answered stale), the nearest is throttled and
 * the branch's link to Azure Monitor drops, with a live view, a summary and an
 * HTML report.
 *
 * <p>With no Azure settings it runs on embedded defaults: three simulated regions (the testkit's
 * {@link RegionSimulator}) and a local Application Insights ingestion endpoint. With {@code BRANCHLINE_REGIONS}
 * (and keys or a credential) and {@code APPLICATIONINSIGHTS_CONNECTION_STRING} it calls real function apps (the
 * {@code samples/function-app} routes) and real Azure Monitor; faults are then not injected.
 *
 * <p>Options: {@code --duration 60s} (or {@code BRANCH_DEMO_DURATION}), {@code --report FILE}
 * (or {@code BRANCHLINE_DEMO_REPORT}), {@code --plain} for line output. Exit code 0 when the run met its checks.
 */
public final class BranchDemo {
    static final String BRANCH = "branch-042";
    private static final String[] NAMES = {"westeurope", "northeurope", "eastus"};
    private static final long[] LATENCY_MS = {8, 25, 70};
    /** How long the end of the run waits for the telemetry of its calls to reach Azure Monitor. */
    static final Duration TELEMETRY_DELIVERY_TIMEOUT = Duration.ofSeconds(60);
    /** How long the start of the run waits for every region's first health probe. */
    static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(30);
    private static final int WORKERS = 4;

    private final Duration duration;
    private final Path report;
    private final PrintStream out;
    private final boolean ansi;
    private final Map<String, String> env;

    BranchDemo(Duration duration, Path report, PrintStream out, boolean ansi, Map<String, String> env) {
        this.duration = duration;
        this.report = report;
        this.out = out;
        this.ansi = ansi;
        this.env = env;
    }

    /**
     * Runs the demo.
     *
     * @param args {@code --duration 60s}, {@code --report FILE}, {@code --plain}
     */
    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        Duration duration = parseDuration(env.getOrDefault("BRANCH_DEMO_DURATION", "60s"));
        String reportFile = env.getOrDefault("BRANCHLINE_DEMO_REPORT",
            System.getProperty("branchline.demo.report", "target/branchline-demo-report.html"));
        boolean plain = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--duration" -> duration = parseDuration(args[++i]);
                case "--report" -> reportFile = args[++i];
                case "--plain" -> plain = true;
                default -> {
                    System.err.println("Unknown option " + args[i] + "; use --duration 60s, --report FILE, --plain");
                    System.exit(2);
                }
            }
        }
        boolean ansi = !plain && TerminalView.isTerminal();
        BranchDemo demo = new BranchDemo(duration, Path.of(reportFile),
            ansi ? TerminalView.consoleStream() : System.out, ansi, env);
        int code;
        try {
            code = demo.run().passed() ? 0 : 1;
        } catch (Exception e) {
            System.err.println("The demo failed: " + e);
            code = 3;
        }
        System.exit(code);
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Duration '" + text + "' is not valid: use e.g. 60s, 2m or 500ms");
        }
    }

    /** What the run produced: the figures of the summary and whether its checks passed. */
    record Result(Map<String, String> summary, boolean passed, long calls, long failedIdempotent,
        long dependencyItemsAccepted, Map<String, Long> served, String nearest, boolean nearestJudged, Path report) {
    }

    Result run() throws IOException, InterruptedException {
        boolean real = env.get("BRANCHLINE_REGIONS") != null;
        return real ? runReal() : runSimulated();
    }

    private Result runSimulated() throws IOException, InterruptedException {
        RegionSimulator.Builder sb = RegionSimulator.builder();
        for (int i = 0; i < NAMES.length; i++) {
            sb.region(NAMES[i], Duration.ofMillis(LATENCY_MS[i]));
        }
        Path spool = Files.createTempDirectory("branchline-demo-spool");
        try (RegionSimulator sim = sb.recordedRequestLimit(0).build();
             RegionSimulator slots = RegionSimulator.builder().recordedRequestLimit(0)
                 .region(NAMES[0] + "-staging", Duration.ofMillis(LATENCY_MS[0])).build();
             AppConfigurationEndpoint store = AppConfigurationEndpoint.start();
             IngestionEndpoint ingestion = IngestionEndpoint.start()) {
            List<Region> regions = new ArrayList<>();
            for (SimulatedRegion r : sim.regions()) {
                Region.Builder rb = Region.builder(r.name(), r.baseUrl()).functionKey("demo-key-" + r.name());
                if (r.name().equals(NAMES[0])) { // westeurope's staging slot, for the canary
                    rb.slot("staging", slots.regions().get(0).baseUrl()).slotFunctionKey("demo-key-staging");
                }
                regions.add(rb.build());
            }
            out.println("Branchline demo: " + duration.toSeconds() + " s of branch traffic against 3 simulated regions");
            out.println("(westeurope 8 ms, northeurope 25 ms, eastus 70 ms) and a local Azure Monitor endpoint at");
            out.println(ingestion.ingestionUrl());
            out.println("Operators steer it through a local Azure App Configuration store at " + store.endpoint());
            Script script = new Script(sim, ingestion, store);
            // the control polled every second: a drain and a canary set in the store reach the router within ~1 s
            ControlSource control = AppConfigurationControl.builder().connectionString(store.connectionString())
                .environment("production").branch(BRANCH).interval(Duration.ofSeconds(1)).build();
            return runWith(regions, ingestion.connectionString(), spool, script, ingestion, control);
        }
    }

    private Result runReal() throws IOException, InterruptedException {
        FunctionClientBuilder probe = FunctionClientBuilder.fromEnvironment();
        String cs = env.get("APPLICATIONINSIGHTS_CONNECTION_STRING");
        out.println("Branchline demo against real regions (" + env.get("BRANCHLINE_REGIONS").split(",").length
            + " configured)" + (cs == null ? ", no Azure Monitor connection string: telemetry off" : ", telemetry to "
            + ConnectionString.parse(cs).ingestionEndpoint()));
        Path spool = Files.createTempDirectory("branchline-demo-spool");
        return runWith(null, cs, spool, null, null, null);
    }

    private Result runWith(List<Region> regions, String connectionString, Path spool, Script script,
        IngestionEndpoint ingestion, ControlSource control) throws IOException, InterruptedException {
        DemoStats stats = new DemoStats();
        java.util.concurrent.atomic.AtomicReference<FunctionClient> holder = new java.util.concurrent.atomic.AtomicReference<>();
        AzureMonitorExporter exporter = connectionString == null ? null : AzureMonitorExporter.builder()
            .connectionString(connectionString).roleName("branch-demo").roleInstance(BRANCH).spoolDirectory(spool)
            .flushInterval(Duration.ofMillis(500)).metricsInterval(Duration.ofSeconds(5))
            .regionStatus(() -> holder.get() == null ? List.of() : holder.get().regionStatus()).build();
        Duration probeInterval = Duration.ofMillis(500);
        Duration probeTimeout = Duration.ofMillis(400);
        Duration dwell = Duration.ofSeconds(Math.max(1, duration.toSeconds() / 20));
        io.branchline.routing.NearestRegionRouterBuilder rb = NearestRegionRouter.builder()
            .healthProbe(HealthProbeOptions.builder().interval(probeInterval).timeout(probeTimeout).build())
            .failbackDwell(dwell)
            .slowStart(dwell)
            .branchId(BRANCH);
        if (control != null) {
            rb.control(control);
        }
        NearestRegionRouter router = rb.build();
        TimeoutOptions timeouts = TimeoutOptions.builder().connect(Duration.ofMillis(500))
            .response(Duration.ofSeconds(2)).call(Duration.ofSeconds(6)).build();
        FunctionClientBuilder b = regions == null ? FunctionClientBuilder.fromEnvironment() : new FunctionClientBuilder()
            .regions(regions).allowPlainHttp(true).timeouts(timeouts);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("started", DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS)));
        settings.put("mode", script != null ? "simulated regions and a local Azure Monitor endpoint"
            : "real regions (BRANCHLINE_REGIONS)");
        settings.put("length asked", duration.toSeconds() + " s");
        settings.put("workload", WORKERS + " threads, each call then a 5-25 ms pause: 60 % GET, 15 % PUT, 15 % idempotent"
            + " POST, 10 % POST not marked idempotent");
        if (regions != null) {
            for (int i = 0; i < regions.size(); i++) {
                settings.put("region " + regions.get(i).name(), regions.get(i).baseUrl()
                    + (i < LATENCY_MS.length ? " (simulated " + LATENCY_MS[i] + " ms)" : ""));
            }
        }
        settings.put("health probes", "every " + probeInterval.toMillis() + " ms, timeout " + probeTimeout.toMillis() + " ms");
        settings.put("failback dwell / slow start", dwell.toSeconds() + " s / " + dwell.toSeconds() + " s");
        if (regions != null) {
            settings.put("timeouts", "connect " + timeouts.connect().toMillis() + " ms, response "
                + timeouts.response().toMillis() + " ms, call " + timeouts.call().toMillis() + " ms");
        }
        if (control != null) {
            settings.put("run-time control", control.description() + ", polled every "
                + control.pollInterval().toSeconds() + " s");
        }
        settings.put("telemetry", exporter == null ? "off" : "flush every 500 ms, metrics every 5 s, spool " + spool);
        settings.put("machine", Runtime.getRuntime().availableProcessors() + " CPUs, Java "
            + System.getProperty("java.version"));
        // reads of data read before are answered from the last good answer when every region fails
        b.router(router).staleIfError(Duration.ofMinutes(5)).addListener(stats);
        settings.put("stale-if-error", "5 min (GET answers kept in memory, served marked stale when every region fails)");
        if (script != null) {
            script.stats = stats;
        }
        if (exporter != null) {
            b.addListener(exporter);
        }
        Timeline timeline;
        long start;
        try (FunctionClient client = b.buildClient()) {
            holder.set(client);
            List<String> names = client.regions().stream().map(Region::name).toList();
            timeline = new Timeline(names);
            TerminalView view = new TerminalView(out, ansi, "Branchline demo");
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> workers = new ArrayList<>();
            AtomicLong ids = new AtomicLong();
            for (int w = 0; w < WORKERS; w++) {
                Thread t = new Thread(() -> workload(client, running, ids), "demo-worker-" + w);
                t.setDaemon(true);
                workers.add(t);
            }
            awaitFirstProbes(client);
            start = System.nanoTime();
            stats.recordTo(timeline, start);
            workers.forEach(Thread::start);
            double total = duration.toNanos() / 1e9;
            while (true) {
                double elapsed = (System.nanoTime() - start) / 1e9;
                if (script != null) {
                    script.advance(elapsed / total, elapsed, view, timeline);
                }
                sample(client, stats, timeline, elapsed, exporter);
                view.draw(Math.min(elapsed, total), total, client.regionStatus(), stats,
                    () -> telemetryLine(exporter, ingestion), false);
                if (elapsed >= total) {
                    break;
                }
                LockSupport.parkNanos(250_000_000L);
            }
            running.set(false);
            for (Thread t : workers) {
                t.join(10_000);
            }
            if (script != null) {
                script.restoreAll((System.nanoTime() - start) / 1e9, view, timeline);
            }
            view.draw(total, total, client.regionStatus(), stats, () -> telemetryLine(exporter, ingestion), true);
        }
        long dependencyItems = -1;
        if (exporter != null) {
            if (!awaitDelivered(exporter, TELEMETRY_DELIVERY_TIMEOUT)) {
                out.println("Telemetry was not all delivered within " + TELEMETRY_DELIVERY_TIMEOUT.toSeconds()
                    + " s; the rest stays in the spool " + exporter.spoolDirectory() + " for the next run");
            }
            exporter.close();
            if (ingestion != null) {
                dependencyItems = ingestion.acceptedItems().stream()
                    .filter(i -> "RemoteDependencyData".equals(i.baseType())).count();
            }
        }
        if (exporter != null) {
            // the telemetry chart ends once the last items were delivered
            ExporterStats s = exporter.stats();
            timeline.add(new Timeline.Sample((System.nanoTime() - start) / 1e9, Map.of(), Map.of(), Map.of(),
                new Timeline.Telemetry(stats.calls.sum(), s.accepted(), s.spoolFiles(), s.droppedTotal())));
        }
        return summarize(stats, timeline, exporter, dependencyItems, (System.nanoTime() - start) / 1e9, settings,
            script != null);
    }

    /**
     * How much the machine added to the nearest simulated region's latency: the median of its latency estimates over
     * the run minus its simulated latency (0 when it had no estimate: then nothing excuses it from the check).
     */
    static double addedLatency(Timeline timeline, String nearest) {
        double[] values = timeline.samples().stream().map(s -> s.latencyMs().get(nearest))
            .filter(v -> v != null && v >= 0).mapToDouble(Double::doubleValue).sorted().toArray();
        return values.length == 0 ? 0 : values[values.length / 2] - LATENCY_MS[0];
    }

    /**
     * Waits (at most {@link #WARM_UP_TIMEOUT}) until a health probe has answered in every region, so the scripted
     * faults start against a client that knows where its regions are, not against a cold JVM still loading classes.
     */
    private void awaitFirstProbes(FunctionClient client) {
        out.println("Waiting for the first health probe of every region...");
        long deadline = System.nanoTime() + WARM_UP_TIMEOUT.toNanos();
        List<String> waiting = List.of();
        while (System.nanoTime() - deadline < 0) {
            waiting = client.regionStatus().stream()
                .filter(s -> s.latency() == null || s.health() != RegionHealth.HEALTHY).map(RegionStatus::region).toList();
            if (waiting.isEmpty()) {
                return;
            }
            LockSupport.parkNanos(50_000_000L);
        }
        out.println("No healthy probe answer yet from " + String.join(", ", waiting) + "; starting anyway");
    }

    /**
     * Waits until the exporter has delivered every item recorded so far, or the timeout passes. One flush is not
     * enough: when ingestion asked to wait (Retry-After), the flush spools and returns; so flush again, after a
     * pause, until nothing waits in the spool.
     *
     * @return whether everything was delivered (accepted, or dropped and counted) in time
     */
    static boolean awaitDelivered(AzureMonitorExporter exporter, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || Thread.currentThread().isInterrupted()) {
                return false;
            }
            FlushResult r = exporter.flush(Duration.ofNanos(left));
            if (r.completed() && r.spooled() == 0) {
                return true;
            }
            LockSupport.parkNanos(Math.min(200_000_000L, Math.max(0, deadline - System.nanoTime())));
        }
    }

    private void workload(FunctionClient client, AtomicBoolean running, AtomicLong ids) {
        List<String> mine = new ArrayList<>();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (running.get()) {
            int op = random.nextInt(100);
            try {
                if (op < 15 || mine.isEmpty()) {
                    String id = BRANCH + "-" + ids.incrementAndGet();
                    client.invoke(FunctionRequest.put("/api/orders/{id}").pathParam("id", id)
                        .jsonBody(Map.of("item", "pallet", "quantity", 1 + random.nextInt(9))).build());
                    mine.add(id);
                } else if (op < 75) {
                    String id = mine.get(random.nextInt(mine.size()));
                    client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", id).build());
                } else if (op < 90) {
                    // Idempotent POST: the function deduplicates by Idempotency-Key, so the client may retry it.
                    client.invoke(FunctionRequest.post("/api/orders").idempotent(true)
                        .header("Idempotency-Key", BRANCH + "-k" + ids.incrementAndGet())
                        .jsonBody(Map.of("item", "crate", "quantity", 1)).build());
                } else {
                    // Not marked idempotent: replayed only when it certainly never reached a server.
                    client.invoke(FunctionRequest.post("/api/orders")
                        .header("Idempotency-Key", BRANCH + "-n" + ids.incrementAndGet())
                        .jsonBody(Map.of("item", "box", "quantity", 2)).build());
                }
            } catch (FunctionCallException e) {
                // counted by DemoStats; the view shows totals
            } catch (IllegalStateException e) {
                if (!running.get()) {
                    return; // the run ended and closed the client while this call was still waiting
                }
                throw e;
            }
            LockSupport.parkNanos(random.nextLong(5_000_000L, 25_000_000L));
        }
    }

    private static void sample(FunctionClient client, DemoStats stats, Timeline timeline, double elapsed,
        AzureMonitorExporter exporter) {
        Map<String, Double> latency = new LinkedHashMap<>();
        Map<String, Long> served = new LinkedHashMap<>();
        Map<String, String> health = new LinkedHashMap<>();
        for (RegionStatus s : client.regionStatus()) {
            latency.put(s.region(), s.latency() == null ? -1 : s.latency().toNanos() / 1e6);
            served.put(s.region(), stats.servedSinceLast(s.region()));
            health.put(s.region(), s.health() + "/" + s.breaker());
        }
        Timeline.Telemetry telemetry = null;
        if (exporter != null) {
            ExporterStats s = exporter.stats();
            telemetry = new Timeline.Telemetry(stats.calls.sum(), s.accepted(), s.spoolFiles(), s.droppedTotal());
        }
        timeline.add(new Timeline.Sample(elapsed, latency, served, health, telemetry));
    }

    private static String telemetryLine(AzureMonitorExporter exporter, IngestionEndpoint ingestion) {
        if (exporter == null) {
            return "telemetry off (no APPLICATIONINSIGHTS_CONNECTION_STRING)";
        }
        ExporterStats s = exporter.stats();
        return String.format(Locale.ROOT, "telemetry accepted %d  spooled %d (%d files)  dropped %d  queued %d",
            s.accepted(), s.spooled(), s.spoolFiles(), s.droppedTotal(), s.queued());
    }

    private Result summarize(DemoStats stats, Timeline timeline, AzureMonitorExporter exporter, long dependencyItems,
        double seconds, Map<String, String> settings, boolean simulated) throws IOException {
        Map<String, String> summary = new LinkedHashMap<>();
        long calls = stats.calls.sum();
        summary.put("run", String.format(Locale.ROOT, "%.1f s, %d calls (%.0f a second)", seconds, calls, calls / seconds));
        summary.put("failed calls", stats.failed.sum() + " (idempotent: " + stats.failedIdempotent.sum()
            + ", during the branch's link outage: " + stats.failedDuringLinkOutage.sum() + ")");
        summary.put("stale reads (link outage)", Long.toString(stats.staleServed.sum()));
        summary.put("failovers / hedges", stats.failovers.sum() + " / " + stats.hedges.sum());
        if (stats.canary.sum() > 0) {
            summary.put("canary calls (westeurope's staging slot)", Long.toString(stats.canary.sum()));
        }
        Map<String, Long> served = new LinkedHashMap<>();
        String nearest = timeline.regions.get(0);
        for (String r : timeline.regions) {
            long n = stats.served(r);
            served.put(r, n);
            summary.put("served by " + r, String.format(Locale.ROOT, "%d (%.1f %%)", n, calls == 0 ? 0 : 100.0 * n / calls));
        }
        boolean nearestMost = served.get(nearest) >= served.values().stream().mapToLong(Long::longValue).max().orElse(0);
        // Simulated regions differ by a few milliseconds; a machine that adds more than that to every call cannot show
        // which region is nearest, so the check is then reported as not judged rather than failed.
        double added = simulated ? addedLatency(timeline, nearest) : 0;
        boolean judged = added < LATENCY_MS[1] - LATENCY_MS[0];
        boolean passed = (nearestMost || !judged) && stats.failedIdempotent.sum() == 0 && calls > 0
            && (!simulated || stats.staleServed.sum() > 0);
        if (exporter != null) {
            ExporterStats s = exporter.stats();
            summary.put("telemetry", String.format(Locale.ROOT, "accepted %d items, spooled %d, dropped %d",
                s.accepted(), s.spooled(), s.droppedTotal()));
            if (dependencyItems >= 0) {
                summary.put("dependency items accepted / calls", dependencyItems + " / " + calls);
                passed &= dependencyItems == calls;
            }
        }
        summary.put("check: nearest region", nearestMost ? "served most calls" : judged ? "NEAREST DID NOT SERVE MOST"
            : String.format(Locale.ROOT, "not judged: this machine added %.0f ms to %s's %d ms, more than the %d ms"
                + " between the two nearest regions (too busy to tell them apart)", added, nearest, LATENCY_MS[0],
                LATENCY_MS[1] - LATENCY_MS[0]));
        summary.put("check: idempotent calls", stats.failedIdempotent.sum() == 0 ? "none failed (but during the"
            + " branch's link outage, when nothing reaches Azure)" : "IDEMPOTENT CALLS FAILED");
        if (simulated) {
            summary.put("check: stale reads", stats.staleServed.sum() > 0 ? "reads answered stale while the link was"
                + " down" : "NO READ WAS ANSWERED STALE DURING THE LINK OUTAGE");
        }
        if (dependencyItems >= 0) {
            summary.put("check: telemetry", dependencyItems == calls ? "complete" : "TELEMETRY INCOMPLETE");
        }
        summary.put("result", passed ? "PASS" : "FAIL");
        out.println();
        out.println("Summary");
        summary.forEach((k, v) -> out.println(String.format(Locale.ROOT, "  %-34s %s", k, v)));
        Path parent = report.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        settings.put("length", String.format(Locale.ROOT, "%.1f s", seconds));
        HtmlReport.Content content = new HtmlReport.Content(summary, settings, stats.regionRows(timeline.regions));
        Files.writeString(report, HtmlReport.render("Branchline demo \u2014 " + BRANCH, timeline, content),
            StandardCharsets.UTF_8);
        out.println("  report: " + report.toAbsolutePath());
        return new Result(summary, passed, calls, stats.failedIdempotent.sum(), dependencyItems, served, nearest,
            judged, report);
    }

    /** The faults of the simulated run, at fractions of its length. */
    private static final class Script {
        private static final String PREFIX = AppConfigurationControl.DEFAULT_KEY_PREFIX;
        private static final double CONTROL_SECONDS = 1.0;
        private final RegionSimulator sim;
        private final IngestionEndpoint ingestion;
        private final AppConfigurationEndpoint store;
        private int step;
        private int controlStep;
        private double controlSince = -1;
        private long changesBefore;
        /** The client's event counts, to see when the router applied a control change; told of link outages. */
        private volatile DemoStats stats;

        Script(RegionSimulator sim, IngestionEndpoint ingestion, AppConfigurationEndpoint store) {
            this.sim = sim;
            this.ingestion = ingestion;
            this.store = store;
        }

        /**
         * What the operator does through App Configuration: a drain, then later a canary to a staging slot. Each is
         * lifted only once the router applied it and {@value #CONTROL_SECONDS} s passed, so even a short run shows
         * it taking effect, and it stays short enough not to hide the nearest region.
         */
        private void control(double fraction, double at, TerminalView view, Timeline timeline) {
            if (controlSince < 0 && stats != null && stats.controlChanges.sum() > changesBefore) {
                controlSince = at; // the router applied what was set
            }
            if (controlStep == 0 && fraction >= 0.22) {
                set(PREFIX + "exclude", "northeurope");
                announce(view, timeline, at, "operator", "drains northeurope (App Configuration)",
                    "the operator DRAINS the browned-out northeurope in App Configuration (exclude=northeurope)");
                controlStep++;
            } else if (controlStep == 1 && fraction >= 0.30 && applied(at)) {
                store.delete(PREFIX + "exclude", "production");
                timeline.faultEnded("operator", at);
                view.event(String.format(Locale.ROOT, "[%5.1fs] the operator lifts the drain of northeurope", at));
                controlStep++;
            } else if (controlStep == 2 && fraction >= 0.88) {
                set(PREFIX + "canary", "20");
                announce(view, timeline, at, "operator", "canary 20 % to westeurope's staging slot",
                    "the operator starts a CANARY in App Configuration: 20 % of calls to westeurope's staging slot");
                controlStep++;
            } else if (controlStep == 3 && fraction >= 0.97 && applied(at)) {
                store.delete(PREFIX + "canary", "production");
                timeline.faultEnded("operator", at);
                view.event(String.format(Locale.ROOT, "[%5.1fs] the operator ends the canary", at));
                controlStep++;
            }
        }

        private void set(String key, String value) {
            changesBefore = stats == null ? 0 : stats.controlChanges.sum();
            controlSince = -1;
            store.set(key, "production", value);
        }

        private boolean applied(double at) {
            return controlSince >= 0 && at >= controlSince + CONTROL_SECONDS;
        }

        void advance(double fraction, double at, TerminalView view, Timeline timeline) {
            control(fraction, at, view, timeline);
            SimulatedRegion we = sim.region("westeurope");
            SimulatedRegion ne = sim.region("northeurope");
            if (step == 0 && fraction >= 0.10) {
                we.fault(Fault.down());
                announce(view, timeline, at, "westeurope", "down", "westeurope (the nearest) goes DOWN: connections refused");
                step++;
            } else if (step == 1 && fraction >= 0.20) {
                ne.tail(0.25, Duration.ofMillis(800));
                announce(view, timeline, at, "northeurope", "brownout", "northeurope BROWNS OUT: 25 % of requests take +800 ms");
                step++;
            } else if (step == 2 && fraction >= 0.35) {
                we.restore();
                timeline.faultEnded("westeurope", at);
                view.event(String.format(Locale.ROOT, "[%5.1fs] westeurope is back: failback after the dwell, then a slow start", at));
                step++;
            } else if (step == 3 && fraction >= 0.37) {
                // while westeurope waits out its failback dwell: the branch's own WAN link drops
                stats.linkOutageStarted();
                sim.branchLinkDown();
                announce(view, timeline, at, "branch link", "down", "the branch's link to Azure DROPS: every region is"
                    + " unreachable; reads of data read before are answered STALE, writes fail");
                step++;
            } else if (step == 4 && fraction >= 0.43) {
                sim.branchLinkUp(); // regions come back as soon as they answer, without failback dwell
                stats.linkOutageEnded();
                timeline.faultEnded("branch link", at);
                view.event(String.format(Locale.ROOT, "[%5.1fs] the branch's link is back: fresh answers again", at));
                step++;
            } else if (step == 5 && fraction >= 0.45) {
                ne.tail(0, Duration.ZERO);
                timeline.faultEnded("northeurope", at);
                view.event(String.format(Locale.ROOT, "[%5.1fs] northeurope recovers from its brownout", at));
                step++;
            } else if (step == 6 && fraction >= 0.55) {
                we.fault(Fault.throttle(Duration.ofSeconds(2)));
                announce(view, timeline, at, "westeurope", "429", "westeurope THROTTLES: 429 with Retry-After: 2");
                step++;
            } else if (step == 7 && fraction >= 0.65) {
                we.restore();
                timeline.faultEnded("westeurope", at);
                view.event(String.format(Locale.ROOT, "[%5.1fs] westeurope stops throttling", at));
                step++;
            } else if (step == 8 && fraction >= 0.72) {
                ingestion.down();
                announce(view, timeline, at, "azure-monitor", "link down",
                    "the branch's link to Azure Monitor DROPS: telemetry spools to disk");
                step++;
            } else if (step == 9 && fraction >= 0.85) {
                ingestion.up();
                timeline.faultEnded("azure-monitor", at);
                view.event(String.format(Locale.ROOT, "[%5.1fs] Azure Monitor is reachable again: the spool drains", at));
                step++;
            }
        }

        private static void announce(TerminalView view, Timeline timeline, double at, String region, String label,
            String text) {
            timeline.faultStarted(region, label, at);
            view.event(String.format(Locale.ROOT, "[%5.1fs] %s", at, text));
        }

        void restoreAll(double at, TerminalView view, Timeline timeline) {
            for (SimulatedRegion r : sim.regions()) {
                r.restore();
                r.tail(0, Duration.ZERO);
            }
            ingestion.up();
            store.delete(PREFIX + "exclude", "production").delete(PREFIX + "canary", "production");
            timeline.closeAll(at);
        }
    }
}
