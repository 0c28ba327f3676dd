package io.branchline.telemetry;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP forward proxy for tests: Debian's tinyproxy, started on a loopback port with Basic authentication and
 * stopped by its process handle. Its log lines (one {@code CONNECT} line per tunnel it opens) are kept for
 * assertions. When tinyproxy is not installed the test fails saying how to install it; it is never skipped.
 */
final class ForwardProxy implements AutoCloseable {
    static final String INSTALL_HINT = "tinyproxy is not installed: run `apt-get install tinyproxy` (Debian/Ubuntu;"
        + " .ci/run installs it) so the telemetry proxy tests can start a real forward proxy on 127.0.0.1";

    final int port;
    final String user;
    final String password;
    private final Process process;
    private final List<String> log = new CopyOnWriteArrayList<>();

    private ForwardProxy(int port, String user, String password, Process process) {
        this.port = port;
        this.user = user;
        this.password = password;
        this.process = process;
    }

    static ForwardProxy start(Path dir, String user, String password) throws IOException, InterruptedException {
        Path binary = find();
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path conf = dir.resolve("tinyproxy.conf");
        Files.writeString(conf, String.join("\n",
            "Port " + port,
            "Listen 127.0.0.1",
            "Timeout 30",
            "MaxClients 50",
            "LogLevel Info",
            "BasicAuth " + user + " " + password,
            ""));
        Process p = new ProcessBuilder(binary.toString(), "-d", "-c", conf.toString()).redirectErrorStream(true).start();
        ForwardProxy proxy = new ForwardProxy(port, user, password, p);
        CountDownLatch listening = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    proxy.log.add(line);
                    if (line.contains("Accepting connections")) {
                        listening.countDown();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "tinyproxy-log");
        reader.setDaemon(true);
        reader.start();
        if (!listening.await(20, TimeUnit.SECONDS)) {
            proxy.close();
            throw new IllegalStateException("tinyproxy did not start listening on 127.0.0.1:" + port + "; its output: "
                + proxy.log);
        }
        return proxy;
    }

    private static Path find() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                candidates.add(Path.of(d, "tinyproxy"));
            }
        }
        candidates.add(Path.of("/usr/bin/tinyproxy"));
        candidates.add(Path.of("/usr/sbin/tinyproxy"));
        for (Path c : candidates) {
            if (Files.isExecutable(c)) {
                return c;
            }
        }
        throw new AssertionError(INSTALL_HINT);
    }

    /** The tunnels the proxy opened, as its log tells ({@code CONNECT host:port} requests it accepted). */
    List<String> connectRequests() {
        List<String> out = new ArrayList<>();
        for (String line : log) {
            if (line.contains("Request (file descriptor") && line.contains("): CONNECT ")) {
                out.add(line.substring(line.lastIndexOf("CONNECT ")));
            }
        }
        return out;
    }

    List<String> log() {
        return List.copyOf(log);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
