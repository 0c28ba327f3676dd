package io.branchline.core;

import io.branchline.core.spi.Setting;
import io.branchline.testing.SettingsContract;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Walks every declared client setting with malformed values derived from its declaration (and the forms only a text
 * setting's own check rejects) and builds a client from properties and from the environment with each: the build
 * fails with a message that names the setting (its variable, from the environment) and shows the value unless it is
 * secret.
 */
class EverySettingValidatedTest {
    static final String REGION = "we";
    static final String BASE = "we=https://orders-we.azurewebsites.net";

    static final Map<String, List<String>> TEXT = Map.of(
        "branchline.regions", List.of("westeurope", "we=ftp://orders.example", "we=https://user:pw@orders.example",
            "we=https://orders.example:99999", "we=https://a.example,we=https://b.example", "west europe=https://a.example",
            "we=https://a.example?code=abc", "=https://a.example"),
        "branchline.region.<name>.key", List.of("abc def", "abc\tdef", "k\u00e9y"),
        "branchline.region.<name>.key-env", List.of("1BAD", "ORDERS-KEY", "A B"),
        "branchline.region.<name>.slot", List.of("staging", "=https://a.example", "stag ing=https://a.example",
            "staging=ftp://a.example", "staging=https://u:p@a.example", "staging="),
        "branchline.region.<name>.slot.key", List.of("abc def", "k\u00e9y"),
        "branchline.function-key", List.of("abc def", "abc\u0007def"),
        "branchline.proxy", List.of("socks5://proxy.corp:1080", "https://proxy.corp:3128", "http://proxy.corp:99999",
            "http://proxy.corp:0", "http://u:p@proxy.corp:3128", "proxy.corp", "http://proxy.corp:3128/path",
            "http://:3128"));

    @Test
    void everyMalformedValueFailsTheBuildNamingTheSetting() {
        int cases = 0;
        for (Setting<?> s : Settings.DEFS) {
            List<String> values = SettingsContract.malformed(s, TEXT);
            assertFalse(values.isEmpty(), s.name());
            String property = s.isPerRegion() ? s.nameFor(REGION) : s.name();
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
        System.out.println("branchline-core: " + Settings.DEFS.size() + " settings, " + cases + " malformed-value builds");
    }
}
