package io.branchline.routing;

import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A control file in properties or JSON form. A new content is taken when two reads in a row agree, so a file caught
 * half-written is never applied; unchanged content costs a small read and a comparison.
 *
 * <p>Concurrency: polls never overlap (the router waits for one to end before scheduling the next), so the fields
 * need no lock.
 */
final class FileControlSource implements ControlSource {
    private final Path file;
    private final boolean json;
    /** The content last emitted; {@code null} before the first. */
    private byte[] applied;
    /** A new content read once, taken when the next read agrees. */
    private byte[] candidate;

    FileControlSource(Path file) {
        this.file = file;
        this.json = file.getFileName() != null && file.getFileName().toString().toLowerCase(java.util.Locale.ROOT)
            .endsWith(".json");
    }

    @Override
    public String description() {
        return "file " + file;
    }

    @Override
    public Duration pollInterval() {
        return Duration.ofMillis(FILE_POLL_MILLIS);
    }

    @Override
    public Mono<Map<String, String>> poll() {
        return Mono.defer(() -> {
            byte[] now;
            try {
                now = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                now = new byte[0];
            } catch (IOException e) {
                return Mono.error(new IOException("cannot read " + file + ": " + e.getClass().getSimpleName(), e));
            }
            if (applied != null && Arrays.equals(now, applied)) {
                candidate = null;
                return Mono.empty();
            }
            if (candidate == null || !Arrays.equals(now, candidate)) {
                candidate = now; // maybe half-written: taken when the next read agrees
                return applied == null && now.length == 0 ? emit(now) : Mono.empty();
            }
            return emit(now);
        });
    }

    private Mono<Map<String, String>> emit(byte[] content) {
        Map<String, String> values;
        try {
            values = parse(new String(content, StandardCharsets.UTF_8), json);
        } catch (IOException | RuntimeException e) {
            // not applied, and not read again as new until it changes
            applied = content;
            candidate = null;
            return Mono.error(new IllegalArgumentException(file + " is malformed: " + e.getMessage(), e));
        }
        applied = content;
        candidate = null;
        return Mono.just(values);
    }

    /** Flat names and text values; JSON objects nest with dots ({@code {"weight": {"we": 50}}} is {@code weight.we}). */
    static Map<String, String> parse(String text, boolean json) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        if (!json) {
            Properties p = new Properties();
            p.load(new StringReader(text));
            for (String name : p.stringPropertyNames()) {
                out.put(name, p.getProperty(name));
            }
            return out;
        }
        if (text.isBlank()) {
            return out;
        }
        try (JsonReader r = JsonProviders.createReader(text)) {
            Object root = r.readUntyped();
            if (!(root instanceof Map<?, ?> m)) {
                throw new IOException("expected a JSON object");
            }
            flatten("", m, out);
        }
        return out;
    }

    private static void flatten(String prefix, Map<?, ?> m, Map<String, String> out) throws IOException {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String name = prefix + e.getKey();
            Object v = e.getValue();
            if (v instanceof Map<?, ?> inner) {
                flatten(name + ".", inner, out);
            } else if (v instanceof List<?> list) {
                StringBuilder sb = new StringBuilder();
                for (Object o : list) {
                    sb.append(sb.length() == 0 ? "" : ",").append(o);
                }
                out.put(name, sb.toString());
            } else if (v == null) {
                throw new IOException(name + " is null");
            } else {
                out.put(name, v instanceof Double d && d == Math.rint(d) ? Long.toString(d.longValue()) : v.toString());
            }
        }
    }
}
