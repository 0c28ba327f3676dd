package io.branchline.routing;

import io.branchline.core.FunctionRequest;
import io.branchline.core.RoutePlan;
import io.branchline.core.models.ProbeResult;
import io.branchline.testkit.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Restarts with the last-known-good file, and background probes that stop on close. */
class LifecycleIntegrationTest {
    @TempDir
    Path dir;
    private Fixture f;

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void restartDuringAnOutageDoesNotFirstCallTheDeadRegion() throws Exception {
        Path file = dir.resolve("state").resolve("branchline-routing.state");
        f = new Fixture(Fixture.regions("westeurope", 5, "northeurope", 20));
        f.start(Fixture.routerBuilder().lastKnownGood(file), Fixture.failover().build());
        f.router.probeNow();
        f.region("westeurope").fault(Fault.serverError(500));
        f.router.probeNow();
        f.router.probeNow();
        assertEquals("northeurope", f.firstInPlan());
        f.client.close();
        assertTrue(Files.isRegularFile(file));
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
        String saved = Files.readString(file);
        assertTrue(saved.contains("down=westeurope"), saved);

        // restart: before any probe, the dead region is left out
        f.region("westeurope").resetCounts();
        f.start(Fixture.routerBuilder().lastKnownGood(file), Fixture.failover().build());
        RoutePlan p = f.router.plan(FunctionRequest.get("/api/orders").build());
        assertEquals(List.of("northeurope"), p.regions().stream().map(r -> r.name()).toList());
        assertTrue(p.unavailable().get("westeurope").contains("last-known-good"), p.toString());
        assertEquals("northeurope", f.get().region().name());
        assertEquals(0, f.region("westeurope").requestCount() + f.region("westeurope").healthRequestCount());
        // it comes back as soon as a probe passes
        f.region("westeurope").restore();
        f.router.probeNow();
        assertEquals("HEALTHY", f.router.status().get(0).health().name());
    }

    @Test
    void probesRunInTheBackgroundAndStopOnClose() throws Exception {
        f = new Fixture(Fixture.regions("westeurope", 1, "northeurope", 1));
        NearestRegionRouterBuilder b = NearestRegionRouter.builder()
            .healthProbe(HealthProbeOptions.builder().interval(Duration.ofMillis(20)).jitter(0.2).build());
        f.start(b, Fixture.failover().build());
        CountDownLatch running = new CountDownLatch(6);
        f.router.prober().resultObserver(r -> running.countDown());
        assertTrue(running.await(20, TimeUnit.SECONDS), "probes run on the scheduler");
        assertTrue(f.region("westeurope").healthRequestCount() >= 1);

        f.client.close();
        assertFalse(f.router.prober().chainsScheduled(), "no probe left scheduled");
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().matches("branchline-\\d+-scheduler-\\d+")) {
                t.join(10_000);
                assertFalse(t.isAlive(), "thread left running: " + t.getName());
            }
        }
        CountDownLatch after = new CountDownLatch(1);
        f.router.prober().resultObserver((ProbeResult r) -> after.countDown());
        // What is sent, not what arrives: a probe already on the wire at close may still reach the region after it.
        long sent = f.clientRouter.probesSent.get();
        assertFalse(after.await(300, TimeUnit.MILLISECONDS), "no probe result applied after close");
        assertEquals(sent, f.clientRouter.probesSent.get(), "no probe sent after close");
    }
}
