package io.branchline.samples.consumer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The README's examples are copies of files of {@code samples/consumer-project}, which the build compiles and runs
 * against the artifacts just built. Java fences ({@code ```java id}) are kept in sync by the codesnippet plugin in the
 * root POM; this test does the same for the other fences ({@code ```xml id}, {@code ```properties id}), whose source
 * is the text between {@code BEGIN: id} and {@code END: id} comment lines, and makes sure no Java example escapes
 * compilation.
 */
class ReadmeSnippetsTest {
    private static final Pattern FENCE = Pattern.compile("^```(\\w+)(?:\\s+([A-Za-z0-9.#_-]+))?\\s*$");
    private static final Pattern BEGIN = Pattern.compile("BEGIN:\\s+([A-Za-z0-9.#_-]+)");
    private static final Pattern END = Pattern.compile("END:\\s+([A-Za-z0-9.#_-]+)");

    private final Path readme = Path.of(System.getProperty("branchline.readme", "../../README.md"));
    private final Path consumer = Path.of(System.getProperty("branchline.consumer", "../consumer-project"));
    private final String version = System.getProperty("branchline.version", "0.1.0-SNAPSHOT");

    @Test
    void everyJavaExampleIsCompiledCode() throws IOException {
        List<Fence> java = fences().stream().filter(f -> f.language.equals("java")).collect(Collectors.toList());
        assertFalse(java.isEmpty(), "the README has no Java example");
        for (Fence fence : java) {
            assertTrue(fence.id != null, "README line " + fence.line + ": a Java example without a snippet id is not "
                + "compiled; put the code in samples/consumer-project between // BEGIN: id and // END: id and "
                + "open the fence with ```java id");
        }
    }

    @Test
    void otherExamplesMatchTheConsumerProject() throws IOException {
        Map<String, String> sources = regions();
        List<Fence> checked = new ArrayList<>();
        for (Fence fence : fences()) {
            if (fence.id == null || fence.language.equals("java")) {
                continue;
            }
            String source = sources.get(fence.id);
            if (source == null) {
                fail("README line " + fence.line + ": no region '" + fence.id + "' in samples/consumer-project "
                    + "(a BEGIN: " + fence.id + " / END: " + fence.id + " comment pair)");
            }
            assertEquals(source, fence.text, "README line " + fence.line + " (```" + fence.language + " " + fence.id
                + ") differs from samples/consumer-project; the README should read:\n" + source);
            checked.add(fence);
        }
        assertTrue(checked.stream().anyMatch(f -> f.id.equals("readme.dependencies")),
            "the README shows no dependency block from the consumer project");
    }

    private List<Fence> fences() throws IOException {
        List<String> lines = Files.readAllLines(readme, StandardCharsets.UTF_8);
        List<Fence> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = FENCE.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            int start = i + 1;
            int end = start;
            while (end < lines.size() && !lines.get(end).startsWith("```")) {
                end++;
            }
            out.add(new Fence(m.group(1), m.group(2), start, String.join("\n", lines.subList(start, end))));
            i = end;
        }
        return out;
    }

    /** Every BEGIN/END region of the consumer project's text files, dedented, with the build's version filled in. */
    private Map<String, String> regions() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(consumer)) {
            files = walk.filter(Files::isRegularFile)
                .filter(p -> !consumer.relativize(p).startsWith("target"))
                .collect(Collectors.toList());
        }
        for (Path file : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (UncheckedIOException | IOException e) {
                continue;   // not text
            }
            String id = null;
            List<String> body = new ArrayList<>();
            for (String line : lines) {
                Matcher begin = BEGIN.matcher(line);
                Matcher end = END.matcher(line);
                if (id == null && begin.find()) {
                    id = begin.group(1);
                    body.clear();
                } else if (id != null && end.find() && end.group(1).equals(id)) {
                    out.put(id, dedent(body).replace("@project.version@", version));
                    id = null;
                } else if (id != null) {
                    body.add(line);
                }
            }
        }
        return out;
    }

    private static String dedent(List<String> lines) {
        int indent = lines.stream().filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).collect(Collectors.joining("\n"));
    }

    private static final class Fence {
        final String language;
        final String id;
        final int line;
        final String text;

        Fence(String language, String id, int line, String text) {
            this.language = language;
            this.id = id;
            this.line = line;
            this.text = text;
        }
    }
}
