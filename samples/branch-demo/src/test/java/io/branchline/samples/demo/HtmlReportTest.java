package io.branchline.samples.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    static Timeline timeline() {
        Timeline t = new Timeline(List.of("westeurope", "northeurope", "eastus"));
        for (int i = 0; i <= 40; i++) {
            double at = i * 0.25;
            boolean down = at >= 2 && at < 5;
            Map<String, Double> latency = new LinkedHashMap<>();
            latency.put("westeurope", down ? -1.0 : 8.0 + (i % 3));
            latency.put("northeurope", 25.0);
            latency.put("eastus", 70.0);
            Map<String, Long> served = new LinkedHashMap<>();
            served.put("westeurope", down ? 0L : 10L);
            served.put("northeurope", down ? 10L : 0L);
            served.put("eastus", 0L);
            t.add(new Timeline.Sample(at, latency, served, Map.of()));
        }
        t.faultStarted("westeurope", "down", 2);
        t.faultEnded("westeurope", 5);
        return t;
    }

    @Test
    void reportIsSelfContainedAndMarksFaultsAndTheServingRegion() {
        String html = HtmlReport.render("Branchline demo <test>", timeline(), Map.of("calls", "410"));
        assertFalse(html.contains("src=\"http"), "no external scripts");
        assertFalse(html.contains("href=\"http"), "no external styles or fonts");
        assertFalse(html.contains("@import"), "no imported styles");
        assertTrue(html.contains("Branchline demo &lt;test&gt;"), "text is escaped");
        assertEquals(3, html.split("class=\"latency\"", -1).length - 1, "one line per region");
        assertTrue(html.contains("class=\"fault\""));
        assertTrue(html.contains("<title>westeurope: down</title>"));
        assertTrue(html.contains("3.0s: northeurope"), "the band shows northeurope serving during the fault");
    }

    @Test
    void reportRendersInHeadlessChromium(@TempDir Path dir) throws Exception {
        Path chromium = Chromium.find();
        assumeTrue(chromium != null, Chromium.MISSING);
        Path file = dir.resolve("report.html");
        Files.writeString(file, HtmlReport.render("Branchline demo", timeline(), Map.of("calls", "410")));
        String dom = Chromium.dumpDom(chromium, file);
        assertTrue(dom.contains("data-rendered=\"ok\""), "the chart's script ran and the SVG has a size: " + dom);
        assertTrue(dom.contains("data-lines=\"3\""));
        Path png = Chromium.screenshot(chromium, file, dir.resolve("report.png"));
        assertTrue(Files.size(png) > 5_000, "the screenshot holds a drawn page");
    }
}
