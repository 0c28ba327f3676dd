package io.branchline.samples.demo;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML report (no external scripts, fonts or styles): an SVG chart of each region's latency
 * estimate over time, a band showing which region served each moment, and the fault windows shaded.
 */
final class HtmlReport {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
    private static final int W = 960;
    private static final int H = 360;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 20;
    private static final int BAND = 24;
    private static final int BOTTOM = 40;

    private HtmlReport() {
    }

    static String render(String title, Timeline timeline, Map<String, String> summary) {
        List<Timeline.Sample> samples = timeline.samples();
        List<String> regions = timeline.regions;
        double duration = samples.isEmpty() ? 1 : Math.max(1, samples.get(samples.size() - 1).atSeconds());
        // Scale to the 95th percentile of the estimates, so the first cold-JVM probes do not flatten the chart; higher
        // values are drawn at the top edge.
        List<Double> values = new java.util.ArrayList<>();
        for (Timeline.Sample s : samples) {
            for (double v : s.latencyMs().values()) {
                if (v >= 0) {
                    values.add(v);
                }
            }
        }
        java.util.Collections.sort(values);
        double p95 = values.isEmpty() ? 10 : values.get((int) Math.min(values.size() - 1, Math.floor(values.size() * 0.95)));
        double maxLatency = niceCeiling(Math.max(10, p95 * 1.3));
        int plotH = H - TOP - BOTTOM - BAND - 10;
        int plotW = W - LEFT - RIGHT;

        StringBuilder svg = new StringBuilder();
        svg.append("<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"")
            .append(H).append("\" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\" role=\"img\" aria-label=\"")
            .append(esc(title)).append("\">\n");
        svg.append("<rect x=\"0\" y=\"0\" width=\"").append(W).append("\" height=\"").append(H).append("\" fill=\"#fff\"/>\n");
        // fault windows
        int faultIndex = 0;
        for (Timeline.FaultWindow f : timeline.faults()) {
            int labelY = TOP + 12 + 13 * (faultIndex++ % 3);
            double x1 = LEFT + plotW * f.startSeconds() / duration;
            double x2 = LEFT + plotW * Math.min(duration, f.endSeconds()) / duration;
            svg.append(String.format(Locale.ROOT,
                "<rect class=\"fault\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#f5c6c6\" opacity=\"0.5\"><title>%s</title></rect>\n",
                x1, TOP, Math.max(1, x2 - x1), plotH, esc(f.region() + ": " + f.label())));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#a33\">%s</text>\n",
                x1 + 2, labelY, esc(f.region() + " " + f.label())));
        }
        // axes and grid
        for (int i = 0; i <= 4; i++) {
            double v = maxLatency * i / 4;
            double y = TOP + plotH - plotH * i / 4.0;
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">%.0f ms</text>\n",
                LEFT, y, W - RIGHT, y, LEFT - 6, y + 4, v));
        }
        int ticks = (int) Math.min(12, Math.ceil(duration / 5));
        for (int i = 0; i <= ticks; i++) {
            double t = duration * i / Math.max(1, ticks);
            double x = LEFT + plotW * t / duration;
            svg.append(String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" fill=\"#333\">%.0fs</text>\n",
                x, H - 8, t));
        }
        // latency lines
        for (int r = 0; r < regions.size(); r++) {
            String region = regions.get(r);
            // One path per region; the line breaks while the region is unhealthy or its circuit is open.
            StringBuilder d = new StringBuilder();
            boolean pen = false;
            for (Timeline.Sample s : samples) {
                Double v = s.latencyMs().get(region);
                String health = s.health().getOrDefault(region, "");
                if (v == null || v < 0 || health.startsWith("UNHEALTHY") || health.endsWith("/OPEN")) {
                    pen = false;
                    continue;
                }
                double x = LEFT + plotW * s.atSeconds() / duration;
                double y = TOP + plotH - plotH * Math.min(v, maxLatency) / maxLatency;
                d.append(String.format(Locale.ROOT, "%s%.1f %.1f ", pen ? "L" : "M", x, y));
                pen = true;
            }
            svg.append("<path class=\"latency\" data-region=\"").append(esc(region)).append("\" fill=\"none\" stroke=\"")
                .append(COLORS[r % COLORS.length]).append("\" stroke-width=\"2\" d=\"").append(d.toString().trim())
                .append("\"/>\n");
        }
        // serving band
        int bandY = TOP + plotH + 10;
        double prevX = LEFT;
        for (Timeline.Sample s : samples) {
            double x = LEFT + plotW * s.atSeconds() / duration;
            String serving = s.servingRegion();
            if (serving != null) {
                int idx = regions.indexOf(serving);
                svg.append(String.format(Locale.ROOT,
                    "<rect class=\"serving\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s</title></rect>\n",
                    prevX, bandY, Math.max(0.5, x - prevX), BAND - 6, COLORS[Math.max(0, idx) % COLORS.length],
                    esc(String.format(Locale.ROOT, "%.1fs: %s", s.atSeconds(), serving))));
            }
            prevX = x;
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">served</text>\n",
            LEFT - 6, bandY + 13));
        svg.append("</svg>");

        StringBuilder legend = new StringBuilder("<ul class=\"legend\">");
        for (int r = 0; r < regions.size(); r++) {
            legend.append("<li><span style=\"background:").append(COLORS[r % COLORS.length]).append("\"></span>")
                .append(esc(regions.get(r))).append("</li>");
        }
        legend.append("<li><span style=\"background:#f5c6c6\"></span>fault window</li></ul>");

        StringBuilder table = new StringBuilder("<table><tbody>");
        for (Map.Entry<String, String> e : summary.entrySet()) {
            table.append("<tr><th>").append(esc(e.getKey())).append("</th><td>").append(esc(e.getValue())).append("</td></tr>");
        }
        table.append("</tbody></table>");

        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>\n"
            + "<style>body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222}"
            + "h1{font-size:20px}table{border-collapse:collapse;margin-top:16px}th,td{text-align:left;padding:4px 12px;"
            + "border-bottom:1px solid #eee}th{font-weight:600}.legend{list-style:none;padding:0;display:flex;gap:16px}"
            + ".legend span{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:middle}</style>\n"
            + "</head><body>\n<h1>" + esc(title) + "</h1>\n"
            + "<p>Latency estimate of each region over the run (the line breaks while a region is unhealthy or its"
            + " circuit is open); the band below the chart shows which region served most calls at each moment; shaded"
            + " windows are the faults the demo injected.</p>\n"
            + svg + "\n" + legend + "\n" + table + "\n"
            + "<script>(function(){var s=document.getElementById('chart');"
            + "var n=s?s.querySelectorAll('path.latency').length:0;"
            + "var b=s&&s.getBBox?s.getBBox():{width:0};"
            + "document.body.setAttribute('data-rendered',(n>0&&b.width>0)?'ok':'empty');"
            + "document.body.setAttribute('data-lines',String(n));})();</script>\n"
            + "</body></html>\n";
    }

    private static double niceCeiling(double v) {
        double[] steps = {10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000};
        for (double s : steps) {
            if (v <= s) {
                return s;
            }
        }
        return Math.ceil(v / 1000) * 1000;
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
