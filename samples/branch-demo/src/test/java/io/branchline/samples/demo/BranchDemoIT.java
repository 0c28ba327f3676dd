package io.branchline.samples.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo in its short mode: the whole job on simulated regions and the local Azure Monitor endpoint. */
class BranchDemoIT {

    @Test
    void shortRunKeepsEveryIdempotentCallAndAllTelemetry(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Path report = dir.resolve("report.html");
        BranchDemo.Result r = new BranchDemo(Duration.ofSeconds(14), report, out, false, Map.of()).run();
        String text = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(text);

        assertTrue(r.calls() > 50, "a workload ran through every phase: " + r.calls() + " calls\n" + text);
        assertEquals(0, r.failedIdempotent(), "no idempotent call failed\n" + text);
        long nearest = r.served().get("westeurope");
        boolean nearestMost = r.served().values().stream().allMatch(n -> nearest >= n);
        if (!nearestMost) {
            // only a machine so busy that it adds more than the regions' differences excuses it, and the demo says so
            assertFalse(r.nearestJudged(), "the nearest region served most calls: " + r.served() + "\n" + text);
            assertTrue(text.contains("not judged: this machine added"), text);
        }
        assertEquals(r.calls(), r.dependencyItemsAccepted(), "one dependency item per call reached Azure Monitor\n" + text);
        assertTrue(r.passed(), text);
        assertTrue(Long.parseLong(r.summary().get("stale reads (link outage)")) > 0,
            "a read was answered stale while the branch's link was down\n" + text);
        for (String event : new String[] {"goes DOWN", "BROWNS OUT", "THROTTLES", "link to Azure Monitor DROPS",
            "link to Azure DROPS", "answered STALE", "DRAINS the browned-out northeurope in App Configuration",
            "starts a CANARY in App Configuration", "Summary"}) {
            assertTrue(text.contains(event), "the run announces: " + event + "\n" + text);
        }
        String html = Files.readString(report);
        assertTrue(html.contains("class=\"fault\"") && html.contains("class=\"serving\""), "report has the chart");
        assertTrue(html.contains("<table class=\"regions\">") && html.contains("<table class=\"events\">")
            && html.contains("data-series=\"accepted\"") && html.contains("Run started"),
            "report has the region table, the timeline, telemetry over time and the run's time");
        assertTrue(html.contains("westeurope down ends"), "the timeline holds the injected faults");
        assertTrue(html.contains("operator drains northeurope (App Configuration) ends")
            && html.contains("control applied: exclude: &quot;&quot; -&gt; &quot;northeurope&quot;"),
            "the timeline marks the drain set in App Configuration and when the router applied it");
        Path chromium = Chromium.find();
        if (chromium != null) {
            assertTrue(Chromium.dumpDom(chromium, report).contains("data-rendered=\"ok\""), "report renders");
        }
    }
}
