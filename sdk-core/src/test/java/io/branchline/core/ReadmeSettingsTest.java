package io.branchline.core;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's configuration reference documents every setting the code reads, under both of its names. */
class ReadmeSettingsTest {
    @Test
    void everySettingIsDocumentedWithItsEnvironmentName() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (Settings.Def def : Settings.DEFS) {
            assertTrue(readme.contains("`" + def.property() + "`"), "README lacks " + def.property());
            assertTrue(readme.contains("`" + def.env() + "`"), "README lacks " + def.env());
        }
    }
}
