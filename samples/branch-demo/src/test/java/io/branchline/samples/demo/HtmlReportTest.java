package io.branchline.samples.demo;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class HtmlReportTest {

    /** Ten seconds of a run: westeurope down from 2 s to 5 s, a cold-start probe of 900 ms, telemetry spooled 6-8 s. */
    static Timeline timeline() {
        Timeline t = new Timeline(List.of("westeurope", "northeurope", "eastus"));
        for (int i = 0; i <= 40; i++) {
            double at = i * 0.25;
            boolean down = at >= 2 && at < 5;
            Map<String, Double> latency = new LinkedHashMap<>();
            latency.put("westeurope", down ? -1.0 : 8.0 + (i % 3));
            latency.put("northeurope", 25.0);
            latency.put("eastus", i == 2 ? 900.0 : 70.0);
            Map<String, Long> served = new LinkedHashMap<>();
            served.put("westeurope", down ? 0L : 10L);
            served.put("northeurope", down ? 10L : 0L);
            served.put("eastus", 0L);
            long calls = 10L * (i + 1);
            boolean spooled = at >= 6 && at < 8;
            t.add(new Timeline.Sample(at, latency, served, Map.of(),
                new Timeline.Telemetry(calls, spooled ? 240 : calls, spooled ? 2 : 0, 0)));
        }
        t.faultStarted("westeurope", "down", 2);
        t.event(new Timeline.Event(2.1, Timeline.Kind.FAILOVER, "westeurope",
            "failover westeurope \u2192 northeurope (connect failed)"));
        t.event(new Timeline.Event(2.3, Timeline.Kind.FAILOVER, "westeurope",
            "failover westeurope \u2192 northeurope (connect failed)"));
        t.event(new Timeline.Event(2.4, Timeline.Kind.BREAKER, "westeurope", "westeurope breaker CLOSED \u2192 OPEN"));
        t.event(new Timeline.Event(7.0, Timeline.Kind.HEDGE, "northeurope", "hedge northeurope + eastus"));
        t.faultEnded("westeurope", 5);
        return t;
    }

    static HtmlReport.Content content() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("started", "2026-12-02T07:00:00Z");
        settings.put("health probes", "every 500 ms, timeout 400 ms");
        return new HtmlReport.Content(Map.of("calls", "410", "result", "PASS"), settings, List.of(
            new DemoStats.RegionRow("westeurope", 300, 290, 12, 8.4, 31.0),
            new DemoStats.RegionRow("northeurope", 120, 120, 0, 26.0, 840.0),
            new DemoStats.RegionRow("eastus", 0, 0, 0, -1, -1)));
    }

    @Test
    void reportIsSelfContainedAndMarksFaultsAndTheServingRegion() {
        String html = HtmlReport.render("Branchline demo <test>", timeline(), content());
        assertFalse(html.contains("src=\"http"), "no external scripts");
        assertFalse(html.contains("href=\"http"), "no external styles or fonts");
        assertFalse(html.contains("@import"), "no imported styles");
        assertTrue(html.contains("Branchline demo &lt;test&gt;"), "text is escaped");
        assertEquals(3, html.split("class=\"latency\"", -1).length - 1, "one line per region");
        assertTrue(html.contains("class=\"fault\""));
        assertTrue(html.contains("<title>westeurope: down (2.0\u20135.0 s)</title>"));
        assertTrue(html.contains("3.0s: northeurope"), "the band shows northeurope serving during the fault");
    }

    @Test
    void reportHasTheTimelineRegionTableTelemetryAndSettings() {
        String html = HtmlReport.render("Branchline demo", timeline(), content());
        // what happened when, bursts coalesced
        assertTrue(html.contains("failover westeurope \u2192 northeurope (connect failed) \u00d72 (until 2.3 s)"), html);
        assertTrue(html.contains("westeurope breaker CLOSED \u2192 OPEN"));
        assertTrue(html.contains("hedge northeurope + eastus"));
        assertTrue(html.contains("<td class=\"num\">2.0 s</td><td><span style=\"color:#a33\">\u25cf</span> fault</td>"
            + "<td>westeurope down</td>"), "the fault is in the timeline at its time");
        assertTrue(html.contains("westeurope down ends"));
        assertEquals(4, html.split("class=\"event\"", -1).length - 1, "one tick per client event on the chart");
        // per region
        assertTrue(html.contains("<tr><td>westeurope</td><td class=\"num\">300</td><td class=\"num\">290</td>"
            + "<td class=\"num\">12</td><td class=\"num\">8.4 ms</td><td class=\"num\">31 ms</td></tr>"), html);
        assertTrue(html.contains("<tr><td>eastus</td><td class=\"num\">0</td><td class=\"num\">0</td>"
            + "<td class=\"num\">0</td><td class=\"num\">\u2013</td><td class=\"num\">\u2013</td></tr>"));
        // telemetry over time
        assertTrue(html.contains("data-series=\"calls\"") && html.contains("data-series=\"accepted\""));
        assertFalse(html.contains("data-series=\"dropped\"") || html.contains("items dropped"),
            "no drop line nor legend when nothing was dropped");
        assertEquals(1, html.split("class=\"spooled\"", -1).length - 1, "one spool window");
        // the run's settings and time
        assertTrue(html.contains("Run started 2026-12-02T07:00:00Z"));
        assertTrue(html.contains("<th>health probes</th><td>every 500 ms, timeout 400 ms</td>"));
    }

    @Test
    void valuesAboveTheScaleAreMarkedAndTheAxisSaysSo() {
        String html = HtmlReport.render("Branchline demo", timeline(), content());
        assertEquals(1, html.split("class=\"clipped\"", -1).length - 1, "the 900 ms probe is marked");
        assertTrue(html.contains("eastus 900 ms at 0.5 s (above the scale)"));
        assertTrue(html.contains(">\u2265 100 ms</text>"), "the top of the axis says values reach beyond it");
        assertTrue(html.contains("up to 900 ms"));

        Timeline calm = new Timeline(List.of("westeurope"));
        calm.add(new Timeline.Sample(0, Map.of("westeurope", 8.0), Map.of("westeurope", 1L), Map.of()));
        calm.add(new Timeline.Sample(5, Map.of("westeurope", 9.0), Map.of("westeurope", 1L), Map.of()));
        String plain = HtmlReport.render("calm", calm, content());
        assertFalse(plain.contains("class=\"clipped\"") || plain.contains("\u2265"), "nothing is clipped");
    }

    /** Five faults starting within a second: their labels need lanes of their own. */
    static Timeline crowded() {
        Timeline t = timeline();
        String[] regions = {"westeurope", "northeurope", "eastus", "azure-monitor", "southcentralus"};
        for (int i = 0; i < regions.length; i++) {
            t.faultStarted(regions[i], "fault number " + i, 6 + i * 0.2);
        }
        t.closeAll(9);
        return t;
    }

    @Test
    void faultLabelsGetLanesOfTheirOwnWhenWindowsAreClose() {
        String html = HtmlReport.render("Branchline demo", crowded(), content());
        assertEquals(6, html.split("class=\"fault-label\"", -1).length - 1);
        java.util.Set<String> ys = new java.util.HashSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("class=\"fault-label\" x=\"[0-9.]+\" y=\"([0-9]+)\"")
            .matcher(html);
        while (m.find()) {
            ys.add(m.group(1));
        }
        assertEquals(5, ys.size(), "the five close labels are on five lanes; the first fault's shares one: " + ys);
    }

    @Test
    void reportRendersInHeadlessChromiumWithoutOverlappingLabels() throws Exception {
        Path chromium = Chromium.find();
        assumeTrue(chromium != null, Chromium.MISSING);
        // kept in the build folder, so that the page and its screenshot can be looked at after the build
        Path dir = Files.createDirectories(Path.of(System.getProperty("basedir", "."), "target", "report-check"));
        Path file = dir.resolve("report.html");
        Files.writeString(file, HtmlReport.render("Branchline demo", crowded(), content()));
        String dom = Chromium.dumpDom(chromium, file);
        assertTrue(dom.contains("data-rendered=\"ok\""), "the chart's script ran and the SVG has a size: " + dom);
        assertTrue(dom.contains("data-lines=\"3\""));
        assertTrue(dom.contains("data-fault-labels=\"6\""), dom);
        assertTrue(dom.contains("data-label-overlaps=\"0\""), "no two fault labels overlap as laid out by the browser");
        Path png = Chromium.screenshot(chromium, file, dir.resolve("report.png"));
        assertTrue(Files.size(png) > 5_000, "the screenshot holds a drawn page");
    }
}
