package io.branchline.core;

import io.branchline.testkit.ManualClock;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.branchline.core.Fixtures.builder;
import static io.branchline.core.Fixtures.callFails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, point 7: a failed call is thrown and logged at DEBUG; a region's failures are summarised at WARN at most
 * once per interval per region and outcome; handled 4xx are no warning; configuration errors are thrown, not logged.
 */
class FailureLogTest {
    @StartStop
    final MockWebServer server = new MockWebServer();

    private PrintStream originalErr;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final ManualClock clock = new ManualClock();

    @BeforeEach
    void captureLogs() {
        originalErr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(originalErr);
        originalErr.print(captured.toString(StandardCharsets.UTF_8));
    }

    private List<String> lines(String level) {
        return captured.toString(StandardCharsets.UTF_8).lines()
            .filter(l -> l.contains(" " + level + " io.branchline")).toList();
    }

    /** Waits (bounded) until the captured log holds a line with {@code text}. */
    private void awaitLog(String text) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!captured.toString(StandardCharsets.UTF_8).contains(text) && System.nanoTime() < until) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    @Test
    void aRegionDownIsOneWarningPerIntervalNotOnePerCall() {
        try (FunctionClient client = builder().clock(clock).region(Fixtures.refusedRegion("northeurope")).buildClient()) {
            for (int i = 0; i < 50; i++) {
                callFails(() -> client.invoke(FunctionRequest.get("/api/x").build()));
            }
            assertEquals(List.of(), lines("WARN"), "nothing at WARN before the interval is over");
            assertTrue(lines("DEBUG").stream().filter(l -> l.contains("could not be sent to any region")).count() >= 50,
                "each failed call at DEBUG");
            clock.advance(FailureLog.INTERVAL);
            awaitLog("attempts failed");
            List<String> warnings = lines("WARN");
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains("northeurope: 50 attempts failed with CONNECT_FAILED in the last 10 s"),
                warnings.get(0));
            assertTrue(warnings.get(0).contains("connection refused"), warnings.get(0));
        }
        assertEquals(1, lines("WARN").size(), "nothing more to report at close");
    }

    @Test
    void handledClientErrorsAreNoWarning() {
        for (int i = 0; i < 5; i++) {
            server.enqueue(new MockResponse.Builder().code(404).body("no such order").build());
        }
        try (FunctionClient client = builder().clock(clock).region(Fixtures.region("we", server)).buildClient()) {
            for (int i = 0; i < 5; i++) {
                assertEquals(404, callFails(() -> client.invoke(FunctionRequest.get("/api/x").build())).statusCode());
            }
            clock.advance(Duration.ofMinutes(1));
        }
        assertEquals(List.of(), lines("WARN"));
    }

    @Test
    void configurationErrorsAreThrownNotLogged() {
        assertThrows(IllegalStateException.class, () -> builder().buildClient());
        assertThrows(IllegalStateException.class, () -> builder().allowPlainHttp(false)
            .region(Region.of("we", "http://127.0.0.1:1")).buildClient());
        assertThrows(IllegalArgumentException.class, () -> new FunctionClientBuilder().functionKey(" "));
        assertThrows(IllegalStateException.class, () -> builder().region(Region.of("we", "http://127.0.0.1:1"))
            .region(Region.of("we", "http://127.0.0.1:2")).buildClient());
        String logs = captured.toString(StandardCharsets.UTF_8);
        assertTrue(logs.lines().noneMatch(l -> l.contains(" ERROR ")), logs);
    }
}
