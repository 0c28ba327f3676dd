package io.branchline.telemetry;

import io.branchline.testing.SettingsContract;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

/**
 * The README's telemetry settings table and the code's declarations agree both ways (names, variables, defaults,
 * meanings), and the module's code names no key it does not declare (meter names aside).
 */
class ReadmeTelemetrySettingsTest {
    @Test
    void theReadmeTableIsTheDeclarations() throws Exception {
        SettingsContract.assertReadmeMatches(TelemetrySettings.DEFS, p -> p.startsWith(TelemetrySettings.PREFIX));
    }

    @Test
    void everySettingReadIsDeclared() throws Exception {
        SettingsContract.assertAllFieldsDeclared(TelemetrySettings.class, TelemetrySettings.DEFS);
        SettingsContract.assertSourcesNameDeclaredKeysOnly(Path.of("src", "main", "java"), TelemetrySettings.DEFS,
            Set.of("branchline.telemetry", "branchline.properties", "branchline.control", "branchline.calls", "branchline.attempts", "branchline.failovers",
                "branchline.hedges", "branchline.probes", "branchline.region.latency", "branchline.region.health",
                "branchline.region.health.changes", "branchline.breaker.state", "branchline.breaker.transitions",
                "branchline.telemetry.items", "branchline.telemetry.dropped", "branchline.telemetry.queue",
                "branchline.telemetry.spool.bytes", "branchline.branch.link.down", "branchline.stale.served",
                "branchline.link.down", "branchline.link.up"));
    }
}
