package io.branchline.routing;

import com.azure.core.util.logging.ClientLogger;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The small file that carries the latency ranking and the regions known down across restarts. Written atomically
 * (temporary file then rename), readable by the owner only where the file system is POSIX. Holds no secret.
 */
final class LastKnownGood {
    private static final ClientLogger LOGGER = new ClientLogger(LastKnownGood.class);
    static final String VERSION = "1";

    final Instant savedAt;
    final List<String> rank;
    final Set<String> down;
    final Map<String, Double> latencyMillis;

    LastKnownGood(Instant savedAt, List<String> rank, Set<String> down, Map<String, Double> latencyMillis) {
        this.savedAt = savedAt;
        this.rank = rank;
        this.down = down;
        this.latencyMillis = latencyMillis;
    }

    /** The file's content; {@link #ranking()} is what decides whether a save is due. */
    String render() {
        StringBuilder sb = new StringBuilder("# Branchline routing: last-known-good region state. Safe to delete.\n");
        sb.append("version=").append(VERSION).append('\n');
        sb.append("savedAt=").append(savedAt).append('\n');
        sb.append("rank=").append(String.join(",", rank)).append('\n');
        sb.append("down=").append(String.join(",", down)).append('\n');
        for (Map.Entry<String, Double> e : latencyMillis.entrySet()) {
            sb.append("latencyMillis.").append(e.getKey()).append('=')
                .append(String.format(java.util.Locale.ROOT, "%.3f", e.getValue())).append('\n');
        }
        return sb.toString();
    }

    String ranking() {
        return rank + "|" + down;
    }

    void write(Path file) throws IOException {
        writeAtomically(file, render());
    }

    /** Writes a small state file atomically (temporary file then rename), owner-only where the file system allows. */
    static void writeAtomically(Path file, String content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        Path tmp = posix
            ? Files.createTempFile(dir, file.getFileName().toString(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
            : Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, content.getBytes(StandardCharsets.UTF_8));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads the file; {@code null} when it is missing or unreadable (logged, never thrown). */
    static LastKnownGood read(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            Properties p = new Properties();
            p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
            if (!VERSION.equals(p.getProperty("version"))) {
                LOGGER.atWarning().addKeyValue("file", String.valueOf(file)).log("ignoring last-known-good file of another version");
                return null;
            }
            Instant savedAt = Instant.parse(p.getProperty("savedAt"));
            List<String> rank = split(p.getProperty("rank", ""));
            Set<String> down = new LinkedHashSet<>(split(p.getProperty("down", "")));
            Map<String, Double> latency = new LinkedHashMap<>();
            for (String name : p.stringPropertyNames()) {
                if (name.startsWith("latencyMillis.")) {
                    double v = Double.parseDouble(p.getProperty(name));
                    if (v >= 0 && Double.isFinite(v)) {
                        latency.put(name.substring("latencyMillis.".length()), v);
                    }
                }
            }
            return new LastKnownGood(savedAt, rank, down, latency);
        } catch (IOException | RuntimeException e) {
            LOGGER.atWarning().addKeyValue("file", String.valueOf(file)).log("ignoring unreadable last-known-good file: "
                + e.getClass().getSimpleName());
            return null;
        }
    }

    private static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        for (String part : Arrays.asList(s.split(","))) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }
}
