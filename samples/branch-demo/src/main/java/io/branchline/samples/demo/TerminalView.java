package io.branchline.samples.demo;

import io.branchline.core.models.RegionStatus;

import java.io.Console;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The live view: redrawn in place with plain ANSI escapes on a terminal, or printed as plain lines every few
 * seconds when the output is not a terminal (CI logs, files).
 *
 * <p>On a terminal the view writes to the process's standard output directly ({@link #consoleStream()}), not through
 * {@code System.out}: a host such as Maven in batch mode ({@code mvn -B ... exec:java}) wraps {@code System.out} in a
 * stream that strips escape sequences, which would turn the redrawn frame into scrolling copies.
 */
final class TerminalView {
    private static final String ESC = "\u001b[";
    private static final String CLEAR_TO_END_OF_LINE = ESC + "K";
    private static final String CLEAR_TO_END_OF_SCREEN = ESC + "J";
    private final PrintStream out;
    private final boolean ansi;
    private final String title;
    private final char barChar;
    private int drawnLines;
    private long lastPlainNanos;

    /** A line of telemetry totals, from the exporter and the local ingestion endpoint. */
    interface TelemetryTotals extends Supplier<String> {
    }

    TerminalView(PrintStream out, boolean ansi, String title) {
        this.out = out;
        this.ansi = ansi;
        this.title = title;
        Console console = System.console();
        Charset charset = ansi && console != null ? console.charset() : Charset.defaultCharset();
        this.barChar = charset.newEncoder().canEncode('\u2588') ? '\u2588' : '#';
    }

    static boolean isTerminal() {
        if ("1".equals(System.getenv("BRANCHLINE_DEMO_PLAIN")) || System.getenv("CI") != null) {
            return false;
        }
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    /**
     * The process's standard output as the terminal receives it, in the console's character set, bypassing any
     * filter its host installed on {@code System.out}.
     */
    static PrintStream consoleStream() {
        Console console = System.console();
        Charset charset = console != null ? console.charset() : Charset.defaultCharset();
        System.out.flush();
        return new PrintStream(new FileOutputStream(FileDescriptor.out), true, charset);
    }

    /** Prints a line above the live frame (the frame is drawn again below it on the next tick). */
    synchronized void event(String line) {
        if (ansi) {
            toFrameStart();
            out.print(CLEAR_TO_END_OF_SCREEN);
        }
        out.println(line);
        out.flush();
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
        List<String> lines = new ArrayList<>();
        int width = 30;
        int filled = (int) Math.round(width * Math.min(1, elapsed / total));
        lines.add(String.format(Locale.ROOT, ESC + "1m%s" + ESC + "0m  [%s%s] %3.0f%%  %.0fs / %.0fs", title,
            "#".repeat(filled), ".".repeat(width - filled), 100 * Math.min(1, elapsed / total), elapsed, total));
        lines.add(String.format(Locale.ROOT, "  %-13s %-10s %-10s %9s   %s", "region", "health", "breaker", "latency",
            "traffic"));
        long totalServed = 0;
        for (RegionStatus r : regions) {
            totalServed += stats.served(r.region());
        }
        for (RegionStatus r : regions) {
            long served = stats.served(r.region());
            double share = totalServed == 0 ? 0 : 100.0 * served / totalServed;
            String color = switch (r.health()) {
                case HEALTHY -> ESC + "32m";
                case UNHEALTHY -> ESC + "31m";
                default -> ESC + "33m";
            };
            String latency = r.latency() == null ? "-" : (r.latency().toMillis() + " ms");
            String throttled = r.throttledUntil() != null ? " throttled" : "";
            lines.add(String.format(Locale.ROOT, "  %-13s %s%-10s" + ESC + "0m %-10s %9s   %s %5.1f%%%s", r.region(),
                color, r.health(), r.breaker(), latency, bar(share), share, throttled));
        }
        lines.add("  " + totals(stats));
        lines.add("  " + telemetry.get());
        toFrameStart();
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            sb.append(line).append(CLEAR_TO_END_OF_LINE).append('\n');
        }
        sb.append(CLEAR_TO_END_OF_SCREEN);
        out.print(sb);
        out.flush();
        drawnLines = lines.size();
    }

    private static String totals(DemoStats s) {
        return String.format(Locale.ROOT, "calls %d  failed %d (idempotent %d)  failovers %d  hedges %d",
            s.calls.sum(), s.failed.sum(), s.failedIdempotent.sum(), s.failovers.sum(), s.hedges.sum());
    }

    private String bar(double percent) {
        int n = (int) Math.round(percent / 5);
        return String.valueOf(barChar).repeat(n) + " ".repeat(20 - n);
    }

    /** Moves the cursor to the first column of the frame drawn last (no-op when none is on screen). */
    private void toFrameStart() {
        if (drawnLines > 0) {
            out.print(ESC + drawnLines + "F");
        }
        out.print('\r');
    }
}
