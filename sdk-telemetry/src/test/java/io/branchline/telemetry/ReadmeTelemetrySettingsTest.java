package io.branchline.telemetry;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's configuration reference documents every telemetry setting, under both of its names. */
class ReadmeTelemetrySettingsTest {
    @Test
    void everyTelemetrySettingIsDocumentedWithItsEnvironmentName() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (TelemetrySettings.Def def : TelemetrySettings.DEFS) {
            assertTrue(readme.contains("`" + def.property() + "`"), "README lacks " + def.property());
            assertTrue(readme.contains("`" + def.env() + "`"), "README lacks " + def.env());
        }
    }
}
