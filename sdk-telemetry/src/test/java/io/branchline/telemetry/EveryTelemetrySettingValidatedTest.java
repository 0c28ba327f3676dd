package io.branchline.telemetry;

import io.branchline.core.FunctionClientBuilder;
import io.branchline.testing.SettingsContract;
import io.branchline.core.spi.Setting;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Walks every declared telemetry setting with malformed values derived from its declaration and builds a client from
 * properties and from the environment with each: the build fails naming the setting and showing the value.
 */
class EveryTelemetrySettingValidatedTest {
    static final String BASE = "we=https://orders-we.azurewebsites.net";

    static final Map<String, List<String>> TEXT = Map.of(
        "branchline.telemetry.connection-string", List.of("nonsense", "InstrumentationKey=;Foo=bar",
            "InstrumentationKey=b7a1c0de-0000-4000-8000-000000000001;IngestionEndpoint=ftp://ingest.example",
            "IngestionEndpoint=https://ingest.example"));

    @Test
    void everyMalformedValueFailsTheBuildNamingTheSetting() {
        int cases = 0;
        for (Setting<?> s : TelemetrySettings.DEFS) {
            List<String> values = SettingsContract.malformed(s, TEXT);
            assertFalse(values.isEmpty(), s.name());
            String property = s.isPerRegion() ? s.nameFor("we") : s.name();
            for (String value : values) {
                Properties p = new Properties();
                p.setProperty("branchline.regions", BASE);
                p.setProperty(property, value);
                RuntimeException e = assertThrows(RuntimeException.class,
                    () -> FunctionClientBuilder.fromProperties(p).buildClient().close(), property + "=" + value);
                SettingsContract.assertNames(e.getMessage(), s, property, value);
                cases++;
                if (s.environmentName() != null) {
                    String variable = s.isPerRegion() ? Setting.environmentName(property) : s.environmentName();
                    Map<String, String> env = new HashMap<>();
                    env.put("BRANCHLINE_REGIONS", BASE);
                    env.put(variable, value);
                    RuntimeException fromEnv = assertThrows(RuntimeException.class,
                        () -> FunctionClientBuilder.fromEnvironment(env).buildClient().close(), variable + "=" + value);
                    SettingsContract.assertNames(fromEnv.getMessage(), s, variable, value);
                    cases++;
                }
            }
        }
        System.out.println("branchline-telemetry: " + TelemetrySettings.DEFS.size() + " settings, " + cases
            + " malformed-value builds");
    }
}
