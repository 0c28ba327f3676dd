package io.branchline.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.util.logging.ClientLogger;
import io.branchline.testkit.IngestionEndpoint;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One exporter per spool folder, enforced with an OS file lock. */
class SpoolLockTest {
    @TempDir
    Path dir;

    private IngestionEndpoint endpoint;

    @BeforeEach
    void start() {
        endpoint = IngestionEndpoint.start();
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    @Test
    void aSecondExporterOnTheSameFolderFailsAtBuildNamingTheFolderAndTheSetting() {
        Path spool = dir.resolve("spool");
        try (AzureMonitorExporter first = TestSupport.exporter(endpoint, spool).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TestSupport.exporter(endpoint, spool).build().close());
            assertTrue(e.getMessage().contains(spool.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("branchline.telemetry.spool-directory"), e.getMessage());
            assertTrue(e.getMessage().contains("spoolDirectory("), e.getMessage());
        }
        // closed: the folder is free again
        TestSupport.exporter(endpoint, spool).build().close();
    }

    /** The lock is the operating system's: another process holding it blocks the folder too. */
    @Test
    void aFolderLockedByAnotherProcessIsRefused() throws Exception {
        Path spool = dir.resolve("spool");
        Files.createDirectories(spool);
        Path holder = dir.resolve("LockHolder.java");
        Files.writeString(holder, String.join("\n",
            "import java.nio.channels.FileChannel;",
            "import java.nio.file.*;",
            "public class LockHolder {",
            "  public static void main(String[] a) throws Exception {",
            "    FileChannel ch = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);",
            "    if (ch.tryLock() == null) { System.out.println(\"busy\"); return; }",
            "    System.out.println(\"locked\");",
            "    System.in.read();",
            "  }",
            "}", ""));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, holder.toString(), spool.resolve(DiskSpool.LOCK_FILE).toString())
            .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("locked", out.readLine());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TestSupport.exporter(endpoint, spool).build().close());
            assertTrue(e.getMessage().contains(spool.toString()), e.getMessage());
        } finally {
            p.getOutputStream().close();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        // that process is gone: its lock went with it
        TestSupport.exporter(endpoint, spool).build().close();
    }

    @Test
    void theDefaultFolderGivesASecondExporterAPerProcessSubFolder() {
        try (AzureMonitorExporter first = defaultFolder().build(); AzureMonitorExporter second = defaultFolder().build()) {
            assertNotEquals(first.spoolDirectory(), second.spoolDirectory());
            assertEquals(first.spoolDirectory(), second.spoolDirectory().getParent());
            assertTrue(second.spoolDirectory().getFileName().toString().startsWith(DiskSpool.PROCESS_PREFIX));
        }
    }

    @Test
    void batchesLeftInTheSubFolderOfAStoppedProcessAreSent() throws IOException {
        Path root = AzureMonitorExporter.defaultSpoolDirectory(dir, endpoint.instrumentationKey());
        Path orphan = root.resolve(DiskSpool.PROCESS_PREFIX + "999999-1");
        Envelopes envelopes = new Envelopes(endpoint.instrumentationKey(), "till-service", "branch-0042", "test:1");
        DiskSpool left = new DiskSpool(orphan, 1 << 20, Duration.ofHours(1), Clock.systemUTC(), new SelfCounters(),
            new WarnOnce(new ClientLogger(SpoolLockTest.class)), new ClientLogger(SpoolLockTest.class));
        assertTrue(left.write(List.of(
            envelopes.metric(new MetricRecord(Instant.now(), MetricNames.REGION_HEALTH, 1, "westeurope")),
            envelopes.metric(new MetricRecord(Instant.now(), MetricNames.REGION_HEALTH, 0, "northeurope")),
            envelopes.metric(new MetricRecord(Instant.now(), MetricNames.REGION_HEALTH, 1, "eastus"))), 0));

        try (AzureMonitorExporter exporter = defaultFolder().build()) {
            assertEquals(root, exporter.spoolDirectory());
            assertTrue(endpoint.awaitAccepted(3, TestSupport.WAIT));
            FlushResult r = exporter.flush(TestSupport.WAIT);
            assertEquals(0, r.spooled());
        }
        endpoint.assertNoViolations();
        assertFalse(Files.exists(orphan), "the stopped process's sub-folder is removed");
    }

    private AzureMonitorExporter.Builder defaultFolder() {
        AzureMonitorExporter.Builder b = TestSupport.exporter(endpoint, dir);
        b.spoolDirectoryDefault();
        b.defaultSpoolParent = dir;
        return b;
    }
}
