package io.branchline.samples.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML report (no external scripts, fonts or styles) of one demo run:
 * <ul>
 *   <li>a chart of each region's latency estimate over time, with the fault windows shaded and labelled, a lane of
 *       events (failovers, breaker and health changes, hedges) and a band showing which region served each moment;
 *       values above the scale are drawn on its top edge and marked;</li>
 *   <li>a chart of telemetry over time: calls made, items Azure Monitor accepted, drops, and when items waited in
 *       the spool;</li>
 *   <li>a table per region (attempts, calls served, failed attempts, p50 and p99 latency), the summary, a timeline
 *       of what happened when, and the run's settings and time.</li>
 * </ul>
 */
final class HtmlReport {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
    private static final int W = 960;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int LANE = 15;
    private static final int PLOT_H = 240;
    private static final int EVENT_LANE = 30;
    private static final int EVENT_ROW = 6;
    private static final int BAND = 18;
    private static final int AXIS = 24;
    private static final int TELEMETRY_H = 160;
    /** Width of one character of the fault labels (11 px sans-serif), rounded up so that estimates never fall short. */
    private static final double LABEL_CHAR_PX = 7.0;
    /** Events of the same kind and text closer than this are shown as one row of the timeline. */
    private static final double COALESCE_SECONDS = 1.0;
    private static final int MAX_EVENT_ROWS = 400;

    private HtmlReport() {
    }

    /** What the report shows besides the timeline: the run's figures, its settings and the region table. */
    record Content(Map<String, String> summary, Map<String, String> settings, List<DemoStats.RegionRow> regions) {
    }

    static String render(String title, Timeline timeline, Content content) {
        List<Timeline.Sample> samples = timeline.samples();
        double duration = samples.isEmpty() ? 1 : Math.max(1, samples.get(samples.size() - 1).atSeconds());
        Scale x = new Scale(duration);
        String latencyChart = latencyChart(title, timeline, samples, x);
        String telemetryChart = telemetryChart(timeline, samples, x);

        StringBuilder legend = new StringBuilder("<ul class=\"legend\">");
        for (int r = 0; r < timeline.regions.size(); r++) {
            legend.append("<li><span style=\"background:").append(color(r)).append("\"></span>")
                .append(esc(timeline.regions.get(r))).append("</li>");
        }
        legend.append("<li><span style=\"background:#f5c6c6\"></span>fault window</li>");
        for (Timeline.Kind k : Timeline.Kind.values()) {
            if (k != Timeline.Kind.FAULT) {
                legend.append("<li><span class=\"tick\" style=\"background:").append(eventColor(k, ""))
                    .append("\"></span>").append(k.label).append("</li>");
            }
        }
        legend.append("</ul>");

        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
            .append("</title>\n<style>body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;"
                + "color:#222;max-width:1000px}h1{font-size:20px;margin-bottom:4px}h2{font-size:16px;margin:28px 0 6px}"
                + "p{margin:4px 0}.run{color:#555}table{border-collapse:collapse;margin-top:8px}th,td{text-align:left;"
                + "padding:3px 12px;border-bottom:1px solid #eee;vertical-align:top}th{font-weight:600}"
                + "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.legend{list-style:none;padding:0;"
                + "display:flex;flex-wrap:wrap;gap:14px;margin:6px 0}.legend span{display:inline-block;width:12px;"
                + "height:12px;margin-right:6px;vertical-align:middle}.legend span.tick{width:3px}"
                + ".bad{color:#b00;font-weight:600}</style>\n</head><body>\n");
        html.append("<h1>").append(esc(title)).append("</h1>\n");
        String started = content.settings().get("started");
        if (started != null) {
            html.append("<p class=\"run\">Run started ").append(esc(started)).append(", lasted ")
                .append(esc(content.settings().getOrDefault("length", String.format(Locale.ROOT, "%.1f s", duration))))
                .append(".</p>\n");
        }
        html.append("<h2>Regions over time</h2>\n<p>Latency estimate of each region (the line breaks while a region is"
            + " unhealthy or its circuit is open), the faults the demo injected (shaded), what the client did (ticks)"
            + " and the region that served most calls at each moment (band).</p>\n");
        html.append(latencyChart).append('\n').append(legend).append('\n');
        html.append("<h2>Telemetry over time</h2>\n<p>Calls made and telemetry items Azure Monitor accepted so far"
            + " (dependencies and metrics); shaded while items waited in the disk spool.</p>\n");
        html.append(telemetryChart).append('\n');
        html.append("<h2>Per region</h2>\n").append(regionTable(content.regions())).append('\n');
        html.append("<h2>Summary</h2>\n").append(keyValues(content.summary(), "summary")).append('\n');
        html.append("<h2>What happened when</h2>\n").append(eventTable(timeline)).append('\n');
        html.append("<h2>Settings</h2>\n").append(keyValues(content.settings(), "settings")).append('\n');
        html.append(CHECK_SCRIPT);
        html.append("</body></html>\n");
        return html.toString();
    }

    /** Seconds to x pixels. */
    private record Scale(double duration) {
        double x(double seconds) {
            return LEFT + (W - LEFT - RIGHT) * Math.max(0, Math.min(duration, seconds)) / duration;
        }
    }

    private static String latencyChart(String title, Timeline timeline, List<Timeline.Sample> samples, Scale sx) {
        List<String> regions = timeline.regions;
        List<Timeline.FaultWindow> faults = timeline.faults();
        // Fault labels sit in lanes above the plot; each goes in the first lane where it clears the previous label.
        List<Double> laneEnds = new ArrayList<>();
        int[] laneOf = new int[faults.size()];
        for (int i = 0; i < faults.size(); i++) {
            Timeline.FaultWindow f = faults.get(i);
            double start = sx.x(f.startSeconds());
            double end = start + 2 + labelWidth(faultLabel(f));
            int lane = 0;
            while (lane < laneEnds.size() && laneEnds.get(lane) + 6 > start) {
                lane++;
            }
            if (lane == laneEnds.size()) {
                laneEnds.add(end);
            } else {
                laneEnds.set(lane, end);
            }
            laneOf[i] = lane;
        }
        int top = 8 + Math.max(1, laneEnds.size()) * LANE;
        int plotBottom = top + PLOT_H;
        int eventY = plotBottom + 6;
        int bandY = eventY + EVENT_LANE + 4;
        int height = bandY + BAND + AXIS;

        // Scale to the 95th percentile of the estimates, so the first cold-JVM probes do not flatten the chart; higher
        // values are drawn on the top edge and marked.
        List<Double> values = new ArrayList<>();
        for (Timeline.Sample s : samples) {
            for (double v : s.latencyMs().values()) {
                if (v >= 0) {
                    values.add(v);
                }
            }
        }
        Collections.sort(values);
        double p95 = values.isEmpty() ? 10 : values.get((int) Math.min(values.size() - 1, Math.floor(values.size() * 0.95)));
        double max = 4 * niceCeiling(Math.max(10, p95 * 1.3) / 4);
        double highest = values.isEmpty() ? 0 : values.get(values.size() - 1);
        boolean clipped = highest > max;

        StringBuilder svg = new StringBuilder();
        svg.append("<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"")
            .append(height).append("\" viewBox=\"0 0 ").append(W).append(' ').append(height)
            .append("\" role=\"img\" aria-label=\"").append(esc(title)).append(": latency by region\">\n");
        svg.append("<rect x=\"0\" y=\"0\" width=\"").append(W).append("\" height=\"").append(height)
            .append("\" fill=\"#fff\"/>\n");
        for (int i = 0; i < faults.size(); i++) {
            Timeline.FaultWindow f = faults.get(i);
            double x1 = sx.x(f.startSeconds());
            double x2 = sx.x(f.endSeconds());
            int labelY = 8 + laneOf[i] * LANE + 11;
            svg.append(String.format(Locale.ROOT,
                "<rect class=\"fault\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#f5c6c6\" opacity=\"0.5\">"
                    + "<title>%s</title></rect>\n", x1, top, Math.max(1, x2 - x1), PLOT_H,
                esc(f.region() + ": " + f.label() + String.format(Locale.ROOT, " (%.1f\u2013%.1f s)", f.startSeconds(),
                    f.endSeconds()))));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c88\"/>\n",
                x1, labelY + 2, x1, top));
            svg.append(String.format(Locale.ROOT,
                "<text class=\"fault-label\" x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"#a33\">%s</text>\n", x1 + 2, labelY,
                esc(faultLabel(f))));
        }
        // y axis: four gridlines; when values run off the scale the top one says so
        for (int i = 0; i <= 4; i++) {
            double v = max * i / 4;
            double y = plotBottom - PLOT_H * i / 4.0;
            String label = String.format(Locale.ROOT, "%.0f ms", v);
            if (i == 4 && clipped) {
                label = "\u2265 " + label;
            }
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"%s/>"
                    + "<text class=\"y-tick\" x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">%s</text>\n",
                LEFT, y, W - RIGHT, y, i == 4 && clipped ? "#b66" : "#ddd", i == 4 && clipped ? " stroke-dasharray=\"4 3\"" : "",
                LEFT - 6, y + 4, esc(label)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" font-size=\"11\" fill=\"#333\" transform=\"rotate(-90 14 %d)\""
            + " text-anchor=\"middle\">latency estimate</text>\n", top + PLOT_H / 2, top + PLOT_H / 2));
        // x axis
        double duration = sx.duration();
        double step = niceStep(duration / 10);
        for (double t = 0; t <= duration + 1e-9; t += step) {
            svg.append(String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" fill=\"#333\">%.0fs</text>\n",
                sx.x(t), height - 8, t));
        }
        // latency lines, and a marker wherever a value is above the scale
        for (int r = 0; r < regions.size(); r++) {
            String region = regions.get(r);
            StringBuilder d = new StringBuilder();
            StringBuilder marks = new StringBuilder();
            boolean pen = false;
            for (Timeline.Sample s : samples) {
                Double v = s.latencyMs().get(region);
                String health = s.health().getOrDefault(region, "");
                if (v == null || v < 0 || health.startsWith("UNHEALTHY") || health.endsWith("/OPEN")) {
                    pen = false;
                    continue;
                }
                double x = sx.x(s.atSeconds());
                double y = plotBottom - PLOT_H * Math.min(v, max) / max;
                d.append(String.format(Locale.ROOT, "%s%.1f %.1f ", pen ? "L" : "M", x, y));
                pen = true;
                if (v > max) {
                    marks.append(String.format(Locale.ROOT,
                        "<path class=\"clipped\" d=\"M%.1f %.1f l-4 7 h8 z\" fill=\"%s\"><title>%s</title></path>\n",
                        x, y - 1, color(r), esc(String.format(Locale.ROOT, "%s %.0f ms at %.1f s (above the scale)",
                            region, v, s.atSeconds()))));
                }
            }
            svg.append("<path class=\"latency\" data-region=\"").append(esc(region)).append("\" fill=\"none\" stroke=\"")
                .append(color(r)).append("\" stroke-width=\"2\" d=\"").append(d.toString().trim()).append("\"/>\n");
            svg.append(marks);
        }
        // event lane
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">"
            + "events</text>\n", LEFT - 6, eventY + 15));
        for (Timeline.Event e : timeline.events()) {
            if (e.kind() == Timeline.Kind.FAULT) {
                continue; // shown as windows
            }
            double x = sx.x(e.atSeconds());
            int row = e.kind().ordinal() - 1;
            svg.append(String.format(Locale.ROOT, "<line class=\"event\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\""
                    + " stroke=\"%s\" stroke-width=\"2\"><title>%s</title></line>\n", x, eventY + row * EVENT_ROW, x,
                eventY + row * EVENT_ROW + EVENT_ROW - 1, eventColor(e.kind(), e.text()),
                esc(String.format(Locale.ROOT, "%.1f s: %s", e.atSeconds(), e.text()))));
        }
        // serving band
        double prevX = LEFT;
        for (Timeline.Sample s : samples) {
            double x = sx.x(s.atSeconds());
            String serving = s.servingRegion();
            if (serving != null) {
                int idx = regions.indexOf(serving);
                svg.append(String.format(Locale.ROOT,
                    "<rect class=\"serving\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s</title></rect>\n",
                    prevX, bandY, Math.max(0.5, x - prevX), BAND, color(Math.max(0, idx)),
                    esc(String.format(Locale.ROOT, "%.1fs: %s", s.atSeconds(), serving))));
            }
            prevX = x;
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">served</text>\n",
            LEFT - 6, bandY + 13));
        svg.append("</svg>");
        if (clipped) {
            svg.append(String.format(Locale.ROOT, "\n<p class=\"clip-note\">The scale ends at %.0f ms; higher estimates"
                + " (up to %.0f ms, mostly the first probes of a cold JVM) are drawn on its dashed top edge and marked"
                + " \u25b2.</p>", max, highest));
        }
        return svg.toString();
    }

    private static String telemetryChart(Timeline timeline, List<Timeline.Sample> samples, Scale sx) {
        List<Timeline.Sample> points = samples.stream().filter(s -> s.telemetry() != null).toList();
        if (points.isEmpty()) {
            return "<p>Telemetry was off (no Azure Monitor connection string).</p>";
        }
        int top = 10;
        int plotBottom = top + TELEMETRY_H;
        int height = plotBottom + AXIS + 4;
        long most = 1;
        for (Timeline.Sample s : points) {
            most = Math.max(most, Math.max(s.telemetry().calls(), s.telemetry().accepted()));
        }
        double max = 4 * niceCeiling(most / 4.0);
        StringBuilder svg = new StringBuilder();
        svg.append("<svg id=\"telemetry\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"")
            .append(height).append("\" viewBox=\"0 0 ").append(W).append(' ').append(height)
            .append("\" role=\"img\" aria-label=\"telemetry over time\">\n");
        svg.append("<rect x=\"0\" y=\"0\" width=\"").append(W).append("\" height=\"").append(height)
            .append("\" fill=\"#fff\"/>\n");
        // while items waited in the spool
        double spoolStart = -1;
        double prev = 0;
        for (Timeline.Sample s : points) {
            boolean waiting = s.telemetry().spoolFiles() > 0;
            if (waiting && spoolStart < 0) {
                spoolStart = prev;
            } else if (!waiting && spoolStart >= 0) {
                svg.append(spoolRect(sx, spoolStart, s.atSeconds(), top));
                spoolStart = -1;
            }
            prev = s.atSeconds();
        }
        if (spoolStart >= 0) {
            svg.append(spoolRect(sx, spoolStart, prev, top));
        }
        for (Timeline.FaultWindow f : timeline.faults()) {
            if ("azure-monitor".equals(f.region())) {
                svg.append(String.format(Locale.ROOT, "<rect class=\"outage\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\""
                        + " fill=\"none\" stroke=\"#a33\" stroke-dasharray=\"3 3\"><title>%s</title></rect>\n",
                    sx.x(f.startSeconds()), top, Math.max(1, sx.x(f.endSeconds()) - sx.x(f.startSeconds())), TELEMETRY_H,
                    esc("Azure Monitor unreachable")));
            }
        }
        for (int i = 0; i <= 4; i++) {
            double v = max * i / 4;
            double y = plotBottom - TELEMETRY_H * i / 4.0;
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\""
                    + " text-anchor=\"end\" fill=\"#333\">%,.0f</text>\n", LEFT, y, W - RIGHT, y, LEFT - 6, y + 4, v));
        }
        double step = niceStep(sx.duration() / 10);
        for (double t = 0; t <= sx.duration() + 1e-9; t += step) {
            svg.append(String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" fill=\"#333\">%.0fs</text>\n",
                sx.x(t), height - 8, t));
        }
        String[][] lines = {{"calls", "#555", "calls made"}, {"accepted", "#1f77b4", "items accepted"},
            {"dropped", "#d62728", "items dropped"}};
        List<String[]> drawn = new ArrayList<>();
        for (String[] line : lines) {
            StringBuilder d = new StringBuilder();
            long last = 0;
            for (Timeline.Sample s : points) {
                Timeline.Telemetry t = s.telemetry();
                last = switch (line[0]) {
                    case "calls" -> t.calls();
                    case "accepted" -> t.accepted();
                    default -> t.dropped();
                };
                d.append(d.length() == 0 ? "M" : "L").append(String.format(Locale.ROOT, "%.1f %.1f ",
                    sx.x(s.atSeconds()), plotBottom - TELEMETRY_H * Math.min(last, max) / max));
            }
            if ("dropped".equals(line[0]) && last == 0) {
                continue;
            }
            drawn.add(line);
            svg.append("<path class=\"telemetry-line\" data-series=\"").append(line[0]).append("\" fill=\"none\" stroke=\"")
                .append(line[1]).append("\" stroke-width=\"2\" d=\"").append(d.toString().trim()).append("\"><title>")
                .append(line[2]).append("</title></path>\n");
        }
        int lx = LEFT + 10;
        for (String[] line : drawn) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>"
                + "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#333\">%s</text>\n", lx, top + 8, line[1], lx + 16,
                top + 12, line[2]));
            lx += 24 + (int) labelWidth(line[2]);
        }
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"10\" fill=\"#fde2b5\"/>"
            + "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#333\">waiting in the spool</text>\n", lx, top + 4, lx + 16,
            top + 12));
        svg.append("</svg>");
        return svg.toString();
    }

    private static String spoolRect(Scale sx, double from, double to, int top) {
        return String.format(Locale.ROOT, "<rect class=\"spooled\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\""
            + " fill=\"#fde2b5\"><title>%s</title></rect>\n", sx.x(from), top, Math.max(1, sx.x(to) - sx.x(from)),
            TELEMETRY_H, esc(String.format(Locale.ROOT, "%.1f\u2013%.1f s: telemetry waiting in the spool", from, to)));
    }

    private static String regionTable(List<DemoStats.RegionRow> rows) {
        StringBuilder t = new StringBuilder("<table class=\"regions\"><thead><tr><th>region</th><th class=\"num\">"
            + "attempts</th><th class=\"num\">calls served</th><th class=\"num\">failed attempts</th><th class=\"num\">"
            + "p50</th><th class=\"num\">p99</th></tr></thead><tbody>");
        for (DemoStats.RegionRow r : rows) {
            t.append("<tr><td>").append(esc(r.region())).append("</td><td class=\"num\">").append(r.attempts())
                .append("</td><td class=\"num\">").append(r.served()).append("</td><td class=\"num\">")
                .append(r.failedAttempts()).append("</td><td class=\"num\">").append(millis(r.p50Millis()))
                .append("</td><td class=\"num\">").append(millis(r.p99Millis())).append("</td></tr>");
        }
        t.append("</tbody></table>\n<p>Attempts include hedges and failovers; an attempt failed when the region did not"
            + " answer with success (refused, timed out, 5xx, 429...); p50 and p99 are the latencies of the attempts the"
            + " region answered, as the client measured them.</p>");
        return t.toString();
    }

    private static String millis(double ms) {
        if (ms < 0) {
            return "\u2013";
        }
        return ms < 10 ? String.format(Locale.ROOT, "%.1f ms", ms) : String.format(Locale.ROOT, "%.0f ms", ms);
    }

    private static String eventTable(Timeline timeline) {
        List<Timeline.Event> events = timeline.events();
        if (events.isEmpty()) {
            return "<p>No events.</p>";
        }
        // Coalesce bursts: the same event again within a second of the previous one becomes one row with a count.
        record Row(Timeline.Event first, double last, int count) {
        }
        List<Row> rows = new ArrayList<>();
        java.util.Map<String, Integer> open = new java.util.HashMap<>();
        for (Timeline.Event e : events) {
            String key = e.kind() + "|" + e.text();
            Integer i = open.get(key);
            if (i != null && e.atSeconds() - rows.get(i).last() <= COALESCE_SECONDS) {
                Row r = rows.get(i);
                rows.set(i, new Row(r.first(), e.atSeconds(), r.count() + 1));
            } else {
                open.put(key, rows.size());
                rows.add(new Row(e, e.atSeconds(), 1));
            }
        }
        StringBuilder t = new StringBuilder("<table class=\"events\"><thead><tr><th class=\"num\">time</th><th>kind</th>"
            + "<th>what</th></tr></thead><tbody>");
        int shown = 0;
        for (Row r : rows) {
            if (shown++ == MAX_EVENT_ROWS) {
                break;
            }
            Timeline.Event e = r.first();
            t.append("<tr class=\"").append(e.kind().label).append("\"><td class=\"num\">")
                .append(String.format(Locale.ROOT, "%.1f s", e.atSeconds())).append("</td><td><span style=\"color:")
                .append(eventColor(e.kind(), e.text())).append("\">\u25cf</span> ").append(e.kind().label)
                .append("</td><td>").append(esc(e.text()));
            if (r.count() > 1) {
                t.append(String.format(Locale.ROOT, " \u00d7%d (until %.1f s)", r.count(), r.last()));
            }
            t.append("</td></tr>");
        }
        t.append("</tbody></table>");
        if (rows.size() > MAX_EVENT_ROWS || timeline.eventsDropped() > 0) {
            t.append(String.format(Locale.ROOT, "<p>%d more rows and %d events not shown.</p>",
                Math.max(0, rows.size() - MAX_EVENT_ROWS), timeline.eventsDropped()));
        }
        return t.toString();
    }

    private static String keyValues(Map<String, String> values, String cssClass) {
        StringBuilder table = new StringBuilder("<table class=\"" + cssClass + "\"><tbody>");
        for (Map.Entry<String, String> e : values.entrySet()) {
            String v = e.getValue();
            // the demo's failed checks are written in capitals
            boolean bad = "summary".equals(cssClass) && v != null && (v.equals("FAIL") || v.length() > 6
                && v.chars().anyMatch(Character::isLetter) && v.equals(v.toUpperCase(Locale.ROOT)));
            table.append("<tr><th>").append(esc(e.getKey())).append("</th><td").append(bad ? " class=\"bad\"" : "")
                .append('>').append(esc(v)).append("</td></tr>");
        }
        table.append("</tbody></table>");
        return table.toString();
    }

    private static String faultLabel(Timeline.FaultWindow f) {
        return f.region() + " " + f.label();
    }

    private static double labelWidth(String text) {
        return text.length() * LABEL_CHAR_PX;
    }

    private static String color(int index) {
        return COLORS[index % COLORS.length];
    }

    private static String eventColor(Timeline.Kind kind, String text) {
        return switch (kind) {
            case FAULT -> "#a33";
            case FAILOVER -> "#ff7f0e";
            case BREAKER -> text.endsWith("OPEN") && !text.endsWith("HALF_OPEN") ? "#d62728" : "#2ca02c";
            case HEALTH -> "#7f7f7f";
            case HEDGE -> "#9467bd";
            case CONTROL -> "#17becf";
        };
    }

    private static double niceCeiling(double v) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(Math.max(1e-9, v))));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (v <= m * magnitude) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }

    /** A step of 1, 2 or 5 times a power of ten, at least 1 and at least {@code v}: labels stay whole numbers. */
    private static double niceStep(double v) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(Math.max(1, v))));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (Math.max(1, v) <= m * magnitude) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /**
     * Runs in the browser: marks the body with what rendered (the latency chart's lines and size) and how many fault
     * labels overlap on screen, measured from the laid-out text, so a headless browser can check the page.
     */
    private static final String CHECK_SCRIPT = "<script>(function(){var s=document.getElementById('chart');"
        + "var n=s?s.querySelectorAll('path.latency').length:0;"
        + "var b=s&&s.getBBox?s.getBBox():{width:0};"
        + "var l=s?Array.prototype.map.call(s.querySelectorAll('text.fault-label'),function(t){return t.getBBox();}):[];"
        + "var o=0;for(var i=0;i<l.length;i++){for(var j=i+1;j<l.length;j++){var p=l[i],q=l[j];"
        + "if(p.x<q.x+q.width&&q.x<p.x+p.width&&p.y<q.y+q.height&&q.y<p.y+p.height){o++;}}}"
        + "document.body.setAttribute('data-rendered',(n>0&&b.width>0)?'ok':'empty');"
        + "document.body.setAttribute('data-lines',String(n));"
        + "document.body.setAttribute('data-fault-labels',String(l.length));"
        + "document.body.setAttribute('data-label-overlaps',String(o));})();</script>\n";
}
