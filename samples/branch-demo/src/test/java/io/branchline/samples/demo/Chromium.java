package io.branchline.samples.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Headless Chromium (Debian's {@code chromium} package), to check that reports render in a real browser. */
final class Chromium {
    static final String MISSING = "Chromium is not installed, so the report's rendering is not checked: install"
        + " Debian's chromium package (apt-get install chromium; .ci/run does so when it runs as root)";

    private Chromium() {
    }

    static Path find() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            Path p = Path.of(candidate);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Loads the file, runs its scripts, and returns the DOM as the browser sees it after loading. */
    static String dumpDom(Path chromium, Path html) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("branchline-chromium");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=2000", "--dump-dom",
            html.toUri().toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("Chromium did not finish within 60 s");
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Takes a screenshot of the page. */
    static Path screenshot(Path chromium, Path html, Path png) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("branchline-chromium");
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--user-data-dir=" + profile, "--window-size=1000,700", "--screenshot=" + png,
            html.toUri().toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("Chromium did not finish within 60 s");
        }
        return png;
    }
}
