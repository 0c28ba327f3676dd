package io.branchline.core;

import io.branchline.testing.SettingsContract;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

/**
 * The README's client settings table and the code's declarations agree both ways (names, variables, defaults,
 * meanings), and the code names no key it does not declare.
 */
class ReadmeSettingsTest {
    static boolean core(String property) {
        return SettingsCheck.MODULES.keySet().stream().noneMatch(property::startsWith);
    }

    @Test
    void theReadmeTableIsTheDeclarations() throws Exception {
        SettingsContract.assertReadmeMatches(Settings.DEFS, ReadmeSettingsTest::core);
    }

    @Test
    void everySettingReadIsDeclared() throws Exception {
        SettingsContract.assertAllFieldsDeclared(Settings.class, Settings.DEFS);
        SettingsContract.assertSourcesNameDeclaredKeysOnly(Path.of("src", "main", "java"), Settings.DEFS,
            Set.of("branchline.routing", "branchline.control", "branchline.telemetry"));
    }
}
