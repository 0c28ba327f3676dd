package io.branchline.routing;

import io.branchline.core.CallListener;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.Region;
import io.branchline.core.models.ProbeResult;
import io.branchline.testkit.RegionSimulator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A program configured only by a properties file gets the nearest-region router from branchline-routing on the
 * class path, without a line of routing code, and the log says so.
 */
class PropertiesOnlyClientTest {
    /** Probe round trips per region whose median ranks it (the router's window). */
    static final int WINDOW = LatencyEstimate.PROBE_WINDOW;

    /** The property names of the README's configuration tables, with their defaults. */
    static Map<String, String> readmeDefaults() throws Exception {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\| `(branchline\\.[^`]+)` \\| [^|]+ \\| ([^|]+) \\|")
            .matcher(Files.readString(Path.of("..", "README.md")));
        while (m.find()) {
            out.put(m.group(1), m.group(2).trim());
        }
        return out;
    }

    @Test
    void aPropertiesFileWrittenFromTheReadmeSendsNearlyEveryCallToTheNearestRegion() throws Exception {
        Map<String, String> readme = readmeDefaults();
        try (RegionSimulator sim = RegionSimulator.builder().region("eastus", Duration.ofMillis(70))
                .region("northeurope", Duration.ofMillis(25)).region("westeurope", Duration.ofMillis(8)).build()) {
            // Written only from the README's tables: the farthest region is listed first, as in a real file.
            Properties p = new Properties();
            StringBuilder regions = new StringBuilder();
            for (String name : List.of("eastus", "northeurope", "westeurope")) {
                regions.append(regions.length() == 0 ? "" : ",").append(name).append('=').append(sim.region(name).baseUrl());
                p.setProperty("branchline.region." + name + ".key", "key-" + name);
            }
            p.setProperty("branchline.regions", regions.toString());
            p.setProperty("branchline.allow-plain-http", "true");
            p.setProperty("branchline.routing.strategy", readme.get("branchline.routing.strategy"));
            p.setProperty("branchline.strict-settings", "true");
            // probes four times a second, so the ranking rests on a full window of probe round trips within seconds
            p.setProperty("branchline.routing.probe.interval", "250ms");
            for (String key : p.stringPropertyNames()) {
                String documented = key.replaceFirst("^branchline\\.region\\.[^.]+\\.", "branchline.region.<name>.");
                assertTrue(readme.containsKey(documented), "README documents " + documented);
            }

            // Instrumentation only: count passed probes per region, to wait on them instead of sleeping.
            Map<String, AtomicInteger> probes = new ConcurrentHashMap<>();
            CountDownLatch windowsFull = new CountDownLatch(3);
            CallListener probeCounter = new CallListener() {
                @Override
                public void probeCompleted(Region region, ProbeResult result) {
                    if (result.statusCode() == 200
                        && probes.computeIfAbsent(region.name(), n -> new AtomicInteger()).incrementAndGet() == WINDOW) {
                        windowsFull.countDown();
                    }
                }
            };
            PrintStream err = System.err;
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            FunctionClient client;
            System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
            try {
                client = FunctionClientBuilder.fromProperties(p).addListener(probeCounter).buildClient();
            } finally {
                System.setErr(err);
            }
            String line = log.toString(StandardCharsets.UTF_8);
            assertTrue(line.contains("INFO") && line.contains("Branchline client from the properties: 3 regions"
                + " [eastus, northeurope, westeurope]; router nearest-region, strategy nearest"
                + " (io.branchline:branchline-routing)"), line);
            try (client) {
                // as a short-lived program would: wait for the first ranking instead of sleeping
                assertTrue(client.awaitReady(Duration.ofSeconds(20)), "the router ranked the regions");
                // the ranking then rests on the median of a full window of probes per region, robust to a busy machine
                assertTrue(windowsFull.await(30, TimeUnit.SECONDS), "probes: " + probes);
                int calls = 200;
                List<String> firstTried = new ArrayList<>();
                List<String> others = new ArrayList<>();
                for (int i = 0; i < calls; i++) {
                    FunctionResponse r = client.invoke(FunctionRequest.get("/api/orders/{id}")
                        .pathParam("id", Integer.toString(i)).build());
                    // the region the router sent the call to; a hedge to the next region may still answer first
                    firstTried.add(r.attempts().get(0).region());
                    if (!r.attempts().get(0).region().equals("westeurope")) {
                        others.add(r.attempts().toString());
                    }
                }
                long nearest = firstTried.stream().filter("westeurope"::equals).count();
                long listedFirst = firstTried.stream().filter("eastus"::equals).count();
                System.out.println("PropertiesOnlyClientTest: " + nearest + " of " + calls + " calls sent to the 8 ms region");
                // Without the router wired from the properties every call went to eastus, listed first. The share of
                // the nearest region is 96-100 % on a quiet machine; with both cores saturated the router's probe
                // medians see scheduling delays far above the 17 ms between the two nearest regions, so this
                // asserts what holds even then: most calls go to the nearest region, almost none to the farthest.
                assertTrue(nearest > calls / 2, "calls sent to westeurope: " + nearest + " of " + calls
                    + "; the others: " + others + "; regions: " + client.regionStatus());
                assertTrue(listedFirst < calls / 10, "calls sent to eastus (70 ms, listed first): " + listedFirst);
            }
        }
    }

    @Test
    void anExplicitRouterWinsOverDiscovery() {
        Properties p = new Properties();
        p.setProperty("branchline.regions", "westeurope=https://orders-we.azurewebsites.net");
        p.setProperty("branchline.routing.strategy", "priority");
        try (FunctionClient client = FunctionClientBuilder.fromProperties(p).router(io.branchline.core.RegionRouter.inOrder())
                .buildClient()) {
            assertTrue(client.toString().contains("router=OrderedRegionRouter"), client.toString());
        }
        try (FunctionClient client = FunctionClientBuilder.fromProperties(p).buildClient()) {
            assertTrue(client.toString().contains("router=NearestRegionRouter"), client.toString());
        }
    }

    @Test
    void misspelledRoutingSettingsAreCaughtToo() {
        Properties p = new Properties();
        p.setProperty("branchline.regions", "westeurope=https://orders-we.azurewebsites.net");
        p.setProperty("branchline.routing.probe.intervall", "2s");
        p.setProperty("branchline.strict-settings", "true");
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> FunctionClientBuilder.fromProperties(p).buildClient());
        assertTrue(e.getMessage().contains("Unknown setting branchline.routing.probe.intervall in the properties: did you"
            + " mean branchline.routing.probe.interval?"), e.getMessage());
    }
}
