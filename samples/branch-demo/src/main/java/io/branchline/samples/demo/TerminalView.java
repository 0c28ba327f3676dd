package io.branchline.samples.demo;

import io.branchline.core.models.RegionStatus;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The live view: redrawn in place with plain ANSI escapes on a terminal, or printed as plain lines every few
 * seconds when the output is not a terminal (CI logs, files).
 */
final class TerminalView {
    private static final String CLEAR_LINE = "\u001b[2K";
    private final PrintStream out;
    private final boolean ansi;
    private final String title;
    private int drawnLines;
    private long lastPlainNanos;

    /** A line of telemetry totals, from the exporter and the local ingestion endpoint. */
    interface TelemetryTotals extends Supplier<String> {
    }

    TerminalView(PrintStream out, boolean ansi, String title) {
        this.out = out;
        this.ansi = ansi;
        this.title = title;
    }

    static boolean isTerminal() {
        if ("1".equals(System.getenv("BRANCHLINE_DEMO_PLAIN")) || System.getenv("CI") != null) {
            return false;
        }
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    synchronized void event(String line) {
        if (ansi) {
            erase();
        }
        out.println(line);
        drawnLines = 0;
    }

    synchronized void draw(double elapsed, double total, List<RegionStatus> regions, DemoStats stats,
        TelemetryTotals telemetry, boolean force) {
        if (!ansi) {
            long now = System.nanoTime();
            if (!force && now - lastPlainNanos < 2_000_000_000L) {
                return;
            }
            lastPlainNanos = now;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "[%5.1fs] %s | %s%n        ", elapsed,
                totals(stats), telemetry.get()));
            for (RegionStatus r : regions) {
                line.append(String.format(Locale.ROOT, " %s %s/%s %s served %d;", r.region(), r.health(), r.breaker(),
                    r.latency() == null ? "-" : r.latency().toMillis() + "ms", stats.served(r.region())));
            }
            out.println(line);
            return;
        }
        erase();
        StringBuilder sb = new StringBuilder();
        int width = 30;
        int filled = (int) Math.round(width * Math.min(1, elapsed / total));
        sb.append(String.format(Locale.ROOT, "\u001b[1m%s\u001b[0m  [%s%s] %3.0f%%  %.0fs / %.0fs%n", title,
            "#".repeat(filled), ".".repeat(width - filled), 100 * Math.min(1, elapsed / total), elapsed, total));
        sb.append(String.format(Locale.ROOT, "  %-13s %-10s %-10s %9s   %s%n", "region", "health", "breaker", "latency", "traffic"));
        long totalServed = 0;
        for (RegionStatus r : regions) {
            totalServed += stats.served(r.region());
        }
        for (RegionStatus r : regions) {
            long served = stats.served(r.region());
            double share = totalServed == 0 ? 0 : 100.0 * served / totalServed;
            String color = switch (r.health()) {
                case HEALTHY -> "\u001b[32m";
                case UNHEALTHY -> "\u001b[31m";
                default -> "\u001b[33m";
            };
            String latency = r.latency() == null ? "-" : (r.latency().toMillis() + " ms");
            String throttled = r.throttledUntil() != null ? " throttled" : "";
            sb.append(String.format(Locale.ROOT, "  %-13s %s%-10s\u001b[0m %-10s %9s   %s %5.1f%%%s%n", r.region(), color,
                r.health(), r.breaker(), latency, bar(share), share, throttled));
        }
        sb.append("  ").append(totals(stats)).append(System.lineSeparator());
        sb.append("  ").append(telemetry.get()).append(System.lineSeparator());
        out.print(sb);
        out.flush();
        drawnLines = regions.size() + 4;
    }

    private static String totals(DemoStats s) {
        return String.format(Locale.ROOT, "calls %d  failed %d (idempotent %d)  failovers %d  hedges %d",
            s.calls.sum(), s.failed.sum(), s.failedIdempotent.sum(), s.failovers.sum(), s.hedges.sum());
    }

    private static String bar(double percent) {
        int n = (int) Math.round(percent / 5);
        return "\u2588".repeat(n) + " ".repeat(20 - n);
    }

    private void erase() {
        for (int i = 0; i < drawnLines; i++) {
            out.print("\u001b[1A" + CLEAR_LINE);
        }
        out.print("\r" + CLEAR_LINE);
        drawnLines = 0;
    }
}
