package io.branchline.routing;

import io.branchline.testing.SettingsContract;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

/**
 * The README's routing settings table and the code's declarations agree both ways (names, variables, defaults,
 * meanings), and the module's code names no key it does not declare.
 */
class ReadmeRoutingSettingsTest {
    @Test
    void theReadmeTableIsTheDeclarations() throws Exception {
        SettingsContract.assertReadmeMatches(RoutingSettings.DEFS, p -> p.startsWith(RoutingSettings.PREFIX));
        SettingsContract.assertReadmeMatches(ControlSettings.DEFS, p -> p.startsWith(ControlSettings.PREFIX));
    }

    @Test
    void everySettingReadIsDeclared() throws Exception {
        SettingsContract.assertAllFieldsDeclared(RoutingSettings.class, RoutingSettings.DEFS);
        SettingsContract.assertAllFieldsDeclared(ControlSettings.class, ControlSettings.DEFS);
        java.util.List<io.branchline.core.spi.Setting<?>> all = new java.util.ArrayList<>(RoutingSettings.DEFS);
        all.addAll(ControlSettings.DEFS);
        SettingsContract.assertSourcesNameDeclaredKeysOnly(Path.of("src", "main", "java"), all,
            Set.of("branchline.routing", "branchline.regions", "branchline.properties"));
    }
}
