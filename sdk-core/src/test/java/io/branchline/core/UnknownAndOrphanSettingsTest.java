package io.branchline.core;

import io.branchline.core.spi.SettingSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Misspelled and orphan settings are reported at build with the closest known name, as warnings by default and as
 * errors with branchline.strict-settings=true; settings of a module that is not on the class path fail the build
 * naming the artifact to add (sdk-core's tests run without branchline-routing and branchline-telemetry).
 */
class UnknownAndOrphanSettingsTest {
    static Properties props(String... kv) {
        Properties p = new Properties();
        p.setProperty("branchline.regions", "westeurope=https://orders-we.azurewebsites.net");
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    static List<String> warnings(Properties p) {
        return SettingsCheck.check(SettingSource.fromProperties(p), List.of(), List.of("westeurope"));
    }

    @Test
    void misspelledPropertiesAreWarnedAboutWithTheClosestKnownName() {
        Properties p = props("branchline.timeout.conect", "2s", "branchline.region.westeurop.key", "k",
            "branchline.failover.max-attemps", "2");
        List<String> w = warnings(p);
        assertEquals(3, w.size(), w.toString());
        assertTrue(w.contains("Unknown setting branchline.timeout.conect in the properties: did you mean"
            + " branchline.timeout.connect?"), w.toString());
        assertTrue(w.contains("Unknown setting branchline.region.westeurop.key in the properties: did you mean"
            + " branchline.region.westeurope.key?"), w.toString());
        assertTrue(w.contains("Unknown setting branchline.failover.max-attemps in the properties: did you mean"
            + " branchline.failover.max-attempts?"), w.toString());
        // a warning only: the client still builds
        FunctionClientBuilder.fromProperties(p).buildClient().close();
    }

    @Test
    void theWarningReachesTheLog() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            FunctionClientBuilder.fromProperties(props("branchline.timeout.conect", "2s")).buildClient().close();
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("WARN") && log.contains("did you mean branchline.timeout.connect?"), log);
    }

    @Test
    void strictSettingsTurnUnknownNamesIntoAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FunctionClientBuilder.fromProperties(
            props("branchline.strict-settings", "true", "branchline.timeout.conect", "2s")).buildClient());
        assertTrue(e.getMessage().contains("did you mean branchline.timeout.connect?"), e.getMessage());
        assertTrue(e.getMessage().contains("branchline.strict-settings"), e.getMessage());
    }

    @Test
    void misspelledEnvironmentVariablesAreReportedByTheirVariableNames() {
        Map<String, String> env = Map.of("BRANCHLINE_REGIONS", "westeurope=https://orders-we.azurewebsites.net",
            "BRANCHLINE_TIMEOUT_CONECT", "2s", "BRANCHLINE_REGION_WESTEUROP_KEY", "k", "BRANCHLINE_STRICT_SETTINGS", "yes",
            "PATH", "/usr/bin");
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> FunctionClientBuilder.fromEnvironment(env).buildClient());
        assertTrue(e.getMessage().contains("Unknown setting BRANCHLINE_TIMEOUT_CONECT in the environment: did you mean"
            + " BRANCHLINE_TIMEOUT_CONNECT?"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean BRANCHLINE_REGION_WESTEUROPE_KEY?"), e.getMessage());
        assertTrue(!e.getMessage().contains("PATH"), e.getMessage());
    }

    @Test
    void aNameFarFromEveryKnownOneSaysSoInsteadOfGuessing() {
        List<String> w = warnings(props("branchline.colour", "blue"));
        assertEquals(List.of("Unknown setting branchline.colour in the properties: no Branchline setting has this name"
            + " (see the README's configuration reference)"), w);
    }

    @Test
    void orphanSettingsAreWarnedAboutAndFailWhenStrict() {
        List<String> w = warnings(props("branchline.proxy.password", "pw", "branchline.credential.client-secret", "s",
            "branchline.credential", "managed-identity"));
        assertEquals(2, w.size(), w.toString());
        assertTrue(w.contains("Setting branchline.proxy.password has no effect without branchline.proxy, which is not"
            + " set: set it, or remove branchline.proxy.password"), w.toString());
        assertTrue(w.contains("Setting branchline.credential.client-secret has no effect without branchline.credential"
            + " set to client-secret: set it, or remove branchline.credential.client-secret"), w.toString());
        assertTrue(w.stream().noneMatch(s -> s.contains("=pw") || s.contains("'pw'")), "secret values are not shown");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FunctionClientBuilder.fromProperties(
            props("branchline.proxy.user", "alice", "branchline.strict-settings", "true")).buildClient());
        assertTrue(e.getMessage().contains("branchline.proxy.user has no effect without branchline.proxy"), e.getMessage());
    }

    @Test
    void aSettingOfAModuleThatIsNotOnTheClassPathFailsNamingTheArtifact() {
        IllegalStateException routing = assertThrows(IllegalStateException.class, () -> FunctionClientBuilder
            .fromProperties(props("branchline.routing.strategy", "nearest")).buildClient());
        assertTrue(routing.getMessage().contains("Setting branchline.routing.strategy is read by"
            + " io.branchline:branchline-routing, which is not on the class path: add the dependency"
            + " io.branchline:branchline-routing"), routing.getMessage());

        IllegalStateException telemetry = assertThrows(IllegalStateException.class, () -> FunctionClientBuilder
            .fromEnvironment(Map.of("BRANCHLINE_REGIONS", "westeurope=https://orders-we.azurewebsites.net",
                "BRANCHLINE_TELEMETRY_ROLE_NAME", "till")).buildClient());
        assertTrue(telemetry.getMessage().contains("BRANCHLINE_TELEMETRY_ROLE_NAME is read by"
            + " io.branchline:branchline-telemetry"), telemetry.getMessage());
    }

    @Test
    void closestNameAllowsAFewEditsOnly() {
        assertEquals("branchline.timeout.connect", SettingsCheck.closest("branchline.timeout.conect",
            java.util.Set.of("branchline.timeout.connect", "branchline.timeout.call")));
        assertEquals(null, SettingsCheck.closest("branchline.zzzzzzzzzz", java.util.Set.of("branchline.timeout.connect")));
    }
}
