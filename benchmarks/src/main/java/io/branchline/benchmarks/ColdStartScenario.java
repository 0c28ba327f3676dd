package io.branchline.benchmarks;

import com.azure.core.util.Configuration;
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.routing.NearestRegionRouter;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.SimulatedRegion;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The "cold start" scenario: a short-lived process (a batch job, a command run from cron) builds a client with every
 * routing default, waits for {@code awaitReady}, and makes 1,000 calls. Each run is a fresh JVM, so connection
 * set-up and a cold JIT are in the figures; the regions (5 / 20 / 60 ms) run in the parent JVM.
 *
 * <p>The parent part is {@link #run(int)}; {@link #main(String[])} is the child: it takes {@code name=url}
 * arguments, nearest first, and prints one {@code COLDSTART} line.
 */
final class ColdStartScenario {
    static final int CALLS = 1_000;

    /** One fresh JVM's figures. */
    record Result(long buildMillis, long readyMillis, long sinceJvmStartMillis, boolean ready, int nearest, int failed) {
        double share() {
            return nearest / (double) CALLS;
        }
    }

    private ColdStartScenario() {
    }

    static List<Result> run(int runs) throws Exception {
        JmhMain.exposeClassPathToForks();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Result> out = new ArrayList<>();
        try (RegionSimulator sim = ScenarioMain.regions(5, 20, 60)) {
            List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                ColdStartScenario.class.getName()));
            for (SimulatedRegion r : sim.regions()) {
                cmd.add(r.name() + "=" + r.baseUrl());
            }
            for (int i = 0; i < runs; i++) {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                Result result = null;
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.contains("first ranking settled")) {
                            System.out.println("  " + line.substring(line.indexOf('{')));
                        }
                        if (line.startsWith("COLDSTART ")) {
                            String[] f = line.substring(10).split(" ");
                            result = new Result(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                                Boolean.parseBoolean(f[3]), Integer.parseInt(f[4]), Integer.parseInt(f[5]));
                        }
                    }
                }
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                if (result == null) {
                    throw new IllegalStateException("cold-start run " + (i + 1) + " printed no result (exit "
                        + p.exitValue() + ")");
                }
                System.out.printf(Locale.ROOT, "cold start run %d: client built in %d ms, ready %d ms later (%d ms after"
                    + " JVM start), %.1f %% of %d calls on the nearest, %d failed%n", i + 1, result.buildMillis(),
                    result.readyMillis(),
                    result.sinceJvmStartMillis(), result.share() * 100, CALLS, result.failed());
                out.add(result);
            }
        }
        return out;
    }

    /** The child: every routing default; the client's timeouts are those the baselines use. */
    public static void main(String[] args) {
        long t0 = System.nanoTime();
        FunctionClientBuilder b = new FunctionClientBuilder().configuration(Configuration.NONE).allowPlainHttp(true)
            .timeouts(Clients.timeouts()).router(NearestRegionRouter.create());
        String nearest = null;
        for (String a : args) {
            int eq = a.indexOf('=');
            b.region(Region.of(a.substring(0, eq), a.substring(eq + 1)));
            nearest = nearest == null ? a.substring(0, eq) : nearest;
        }
        int near = 0;
        int failed = 0;
        try (FunctionClient client = b.buildClient()) {
            long built = System.nanoTime();
            boolean ready = client.awaitReady(Duration.ofSeconds(10));
            long readyNanos = System.nanoTime() - built;
            long sinceJvm = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
            FunctionRequest get = FunctionRequest.get(Callers.PATH).build();
            for (int i = 0; i < CALLS; i++) {
                try {
                    near += client.invoke(get).region().name().equals(nearest) ? 1 : 0;
                } catch (FunctionCallException e) {
                    failed++;
                }
            }
            System.out.println("COLDSTART " + TimeUnit.NANOSECONDS.toMillis(built - t0) + " "
                + TimeUnit.NANOSECONDS.toMillis(readyNanos) + " " + sinceJvm + " " + ready
                + " " + near + " " + failed);
        }
        System.exit(0);
    }
}
