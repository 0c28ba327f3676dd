package io.branchline.core;

import com.azure.core.util.Configuration;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, point 2: rotating a key file cannot break calls. An empty, partial or unreadable file keeps the last
 * good key (and warns once); a new key is taken once it reads the same twice; the default key file rotates too.
 */
class KeyRotationTest {
    static final String ALPHA = "alpha-key-0000000000000000000000000000000000000000==";
    static final String BRAVO = "bravo-key-1111111111111111111111111111111111111111==";

    @StartStop
    final MockWebServer server = new MockWebServer();

    @TempDir
    Path dir;

    @Test
    void anEmptyPartialOrUnreadableFileKeepsTheLastGoodKeyAndWarnsOnce() throws Exception {
        Path file = Files.writeString(dir.resolve("we.key"), ALPHA + "\n");
        FileKey key = new FileKey("region 'we'", file, 0);
        assertEquals(ALPHA, key.get());
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Files.writeString(file, "");                        // truncated, as `echo newkey > file` does first
            assertEquals(ALPHA, key.get());
            assertEquals(ALPHA, key.get());
            Files.writeString(file, BRAVO.substring(0, 20));    // half written
            assertEquals(ALPHA, key.get(), "a key read once is not taken yet");
            Files.writeString(file, BRAVO + "\n");              // complete
            assertEquals(ALPHA, key.get(), "it differs from the half read before: not taken yet");
            assertEquals(BRAVO, key.get(), "read the same twice: taken");
            Files.delete(file);                                 // moved away during a rename-based rotation
            assertEquals(BRAVO, key.get());
            Files.writeString(file, "two words");
            assertEquals(BRAVO, key.get());
        } finally {
            System.setErr(err);
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        err.print(logs);
        assertEquals(1, count(logs, "is empty"), "warned once while empty:\n" + logs);
        assertEquals(1, count(logs, "cannot be read"), logs);
        assertTrue(logs.contains("the last good key is used"), logs);
        assertTrue(!logs.contains(ALPHA) && !logs.contains(BRAVO), "no key in the log:\n" + logs);
    }

    @Test
    void callsNeverFailNorSendABrokenKeyWhileTheFileIsRewritten() throws Exception {
        Set<String> received = ConcurrentHashMap.newKeySet();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                received.add(String.valueOf(request.getHeaders().get("x-functions-key")));
                return new MockResponse.Builder().code(200).body("ok").build();
            }
        });
        Path file = Files.writeString(dir.resolve("we.key"), ALPHA);
        FileKey key = new FileKey("region 'we'", file, 0);
        assertEquals(ALPHA, key.get()); // read once when the region is built, as functionKeyFromFile does
        Region we = Region.builder("we", server.url("/").toString()).functionKey(key).build();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger rewrites = new AtomicInteger();
        Thread writer = new Thread(() -> {
            // truncate, then write: what `echo newkey > file` and Files.writeString do
            for (int i = 0; !stop.get(); i++) {
                try {
                    Files.writeString(file, (i % 2 == 0 ? BRAVO : ALPHA) + "\n");
                    rewrites.incrementAndGet();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        try (FunctionClient client = Fixtures.builder().region(we).buildClient()) {
            writer.start();
            for (int i = 0; i < 60; i++) {
                assertEquals(200, client.invoke(FunctionRequest.get("/api/x").build()).statusCode());
            }
        } finally {
            stop.set(true);
            writer.join(5000);
        }
        assertTrue(rewrites.get() > 10, "the file was rewritten while calls ran: " + rewrites.get());
        assertTrue(Set.of(ALPHA, BRAVO).containsAll(received), "only whole keys were sent: " + received);
    }

    @Test
    void theDefaultKeyFileRotatesLikeARegionKeyFile() throws Exception {
        Set<String> received = ConcurrentHashMap.newKeySet();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                received.add(String.valueOf(request.getHeaders().get("x-functions-key")));
                return new MockResponse.Builder().code(200).body("ok").build();
            }
        });
        Path file = Files.writeString(dir.resolve("default.key"), ALPHA);
        Properties p = new Properties();
        p.setProperty("branchline.regions", "we=" + server.url("/"));
        p.setProperty("branchline.function-key-file", file.toString());
        p.setProperty("branchline.allow-plain-http", "true");
        try (FunctionClient client = FunctionClientBuilder.fromProperties(p).configuration(Configuration.NONE)
                .buildClient()) {
            client.invoke(FunctionRequest.get("/api/x").build());
            assertEquals(Set.of(ALPHA), received);
            Files.writeString(file, BRAVO);
            // looked at again at most once a second, taken when read the same twice: within a few seconds
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!received.contains(BRAVO) && System.nanoTime() < until) {
                client.invoke(FunctionRequest.get("/api/x").build());
            }
        }
        assertTrue(received.contains(BRAVO), "the rotated default key was used: " + received);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
