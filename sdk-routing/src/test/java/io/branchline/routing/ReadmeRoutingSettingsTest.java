package io.branchline.routing;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's configuration reference documents every routing setting, under both of its names. */
class ReadmeRoutingSettingsTest {
    @Test
    void everyRoutingSettingIsDocumentedWithItsEnvironmentName() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (RoutingSettings.Def def : RoutingSettings.DEFS) {
            assertTrue(readme.contains("`" + def.property() + "`"), "README lacks " + def.property());
            if (def.env() != null) {
                assertTrue(readme.contains("`" + def.env() + "`"), "README lacks " + def.env());
            }
        }
    }
}
