package io.branchline.routing;

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
 * Walks every declared routing setting with malformed values derived from its declaration and builds a client from
 * properties and from the environment with each: the build fails naming the setting and showing the value.
 */
class EveryRoutingSettingValidatedTest {
    static final String BASE = "we=https://orders-we.azurewebsites.net";

    static final Map<String, List<String>> TEXT = Map.of(
        "branchline.routing.probe.path", List.of("api/health", "/api/health?x=1", "/api/health#top", "/api health"),
        "branchline.routing.pin", List.of(",", " , "),
        "branchline.routing.concurrency-limits", List.of("onprem:32", "onprem=0", "onprem=100001", "onprem=1,onprem=2",
            "onprem=lots", "=5", ","),
        "branchline.control.appconfig.endpoint", List.of("fleet.azconfig.io", "ftp://fleet.azconfig.io",
            "https://u:p@fleet.azconfig.io", "https://fleet.azconfig.io?x=1", "https://"),
        "branchline.control.appconfig.connection-string", List.of("Endpoint=https://fleet.azconfig.io",
            "Id=abc;Secret=c2VjcmV0", "Endpoint=https://fleet.azconfig.io;Id=abc;Secret="),
        "branchline.control.appconfig.key-prefix", List.of("branchline/*", "a,b"),
        "branchline.control.appconfig.label", List.of("prod*", "a,b", "a\\b"),
        "branchline.control.branch", List.of("b*", "a,b"),
        "branchline.control.group", List.of("g*", "a,b"));

    @Test
    void everyMalformedValueFailsTheBuildNamingTheSetting() {
        int cases = 0;
        List<Setting<?>> all = new java.util.ArrayList<>(RoutingSettings.DEFS);
        all.addAll(ControlSettings.DEFS);
        for (Setting<?> s : all) {
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
        System.out.println("branchline-routing: " + all.size() + " settings, " + cases
            + " malformed-value builds");
    }
}
