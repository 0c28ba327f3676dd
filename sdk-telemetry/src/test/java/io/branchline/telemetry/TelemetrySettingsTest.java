package io.branchline.telemetry;

import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.TelemetryItem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link AzureMonitorExporter#fromProperties} and {@link AzureMonitorExporter#fromEnvironment(Map)}. */
class TelemetrySettingsTest {
    private static final String IKEY = "5e3c1f2a-9b7d-4c1e-8f00-123456789abc";
    private static final String SECRET_CS = "InstrumentationKey=" + IKEY + ";IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/";

    @TempDir
    Path dir;

    private IngestionEndpoint endpoint;

    @BeforeEach
    void start() {
        endpoint = IngestionEndpoint.start();
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    private Properties full() {
        Properties p = new Properties();
        p.setProperty("branchline.telemetry.connection-string", endpoint.connectionString());
        p.setProperty("branchline.telemetry.role-name", "till-service");
        p.setProperty("branchline.telemetry.branch", "branch-0042");
        p.setProperty("branchline.telemetry.spool-directory", dir.resolve("spool").toString());
        p.setProperty("branchline.telemetry.spool-max-size", "2MiB");
        p.setProperty("branchline.telemetry.sampling-percentage", "50%");
        p.setProperty("branchline.telemetry.flush-interval", "50ms");
        p.setProperty("branchline.telemetry.metrics-interval", "0");
        return p;
    }

    private static Map<String, String> asEnvironment(Properties p) {
        Map<String, String> env = new HashMap<>();
        for (String name : p.stringPropertyNames()) {
            env.put(name.equals(TelemetrySettings.CONNECTION_STRING.name()) ? ConnectionString.ENVIRONMENT_VARIABLE
                : io.branchline.core.spi.Setting.environmentName(name), p.getProperty(name));
        }
        return env;
    }

    @Test
    void aFullConfigurationIsAppliedAndItsCallsReachAzureMonitor() {
        AzureMonitorExporter.Builder b = AzureMonitorExporter.fromProperties(full());
        assertEquals("Builder{endpoint=" + endpoint.ingestionUrl().replaceFirst("v2\\.1/track$", "")
            + ", roleName=till-service, roleInstance=branch-0042, spoolDirectory=" + dir.resolve("spool")
            + ", spoolMaxBytes=2097152, samplingPercentage=50.0, flushInterval=PT0.05S, metricsInterval=PT0S}",
            b.describe());
        AzureMonitorExporter exporter = b.build();
        long kept;
        try (exporter; Calls calls = new Calls(exporter)) {
            assertEquals(dir.resolve("spool"), exporter.spoolDirectory());
            calls.invoke(40);
            kept = calls.started.stream().filter(c -> Sampling.keep(c.traceId(), 50.0)).count();
            assertTrue(kept > 0 && kept < 40, "50 % sampling keeps some of 40 calls: " + kept);
            // no flush(): the 50 ms flush interval sends the batch
            assertTrue(endpoint.awaitAccepted(kept, TestSupport.WAIT));
        }
        List<TelemetryItem> deps = TestSupport.dependencies(endpoint);
        assertEquals(kept, deps.size());
        for (TelemetryItem i : deps) {
            assertEquals(50.0, i.sampleRate());
            assertEquals("till-service", i.tags().get("ai.cloud.role"));
            assertEquals("branch-0042", i.tags().get("ai.cloud.roleInstance"));
            assertEquals(IngestionEndpoint.DEFAULT_INSTRUMENTATION_KEY, i.iKey());
        }
        endpoint.assertNoViolations();
    }

    @Test
    void theEnvironmentGivesTheSameSettings() {
        assertEquals(AzureMonitorExporter.fromProperties(full()).describe(),
            AzureMonitorExporter.fromEnvironment(asEnvironment(full())).describe());
        assertTrue(AzureMonitorExporter.isConfiguredInEnvironment(asEnvironment(full())));
    }

    @Test
    void absentSettingsKeepTheDefaultsAndTheBuilderStillWins() {
        Properties p = new Properties();
        p.setProperty("branchline.telemetry.connection-string", endpoint.connectionString());
        String d = AzureMonitorExporter.fromProperties(p).describe();
        assertTrue(d.contains("roleName=branchline, roleInstance=null, spoolDirectory=null, spoolMaxBytes=52428800,"
            + " samplingPercentage=100.0, flushInterval=PT5S, metricsInterval=PT1M"), d);
        p.setProperty("branchline.telemetry.role-name", "from-file");
        assertTrue(AzureMonitorExporter.fromProperties(p).roleName("from-code").describe().contains("roleName=from-code"));
    }

    @Test
    void withoutAConnectionStringTheAppCanSkipTelemetryAndBuildSaysWhatIsMissing() {
        Properties p = new Properties();
        p.setProperty("branchline.telemetry.role-name", "till-service");
        p.setProperty("branchline.telemetry.connection-string", "  ");
        assertFalse(AzureMonitorExporter.isConfigured(p));
        assertTrue(AzureMonitorExporter.isConfigured(full()));
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> AzureMonitorExporter.fromProperties(p).build());
        assertTrue(e.getMessage().contains("set branchline.telemetry.connection-string in the properties"), e.getMessage());
        assertTrue(e.getMessage().contains("AzureMonitorExporter.isConfigured(...)"), e.getMessage());

        Map<String, String> env = Map.of("BRANCHLINE_TELEMETRY_ROLE_NAME", "till-service");
        assertFalse(AzureMonitorExporter.isConfiguredInEnvironment(env));
        e = assertThrows(IllegalStateException.class, () -> AzureMonitorExporter.fromEnvironment(env).build());
        assertTrue(e.getMessage().contains("set branchline.telemetry.connection-string"
            + " (APPLICATIONINSIGHTS_CONNECTION_STRING) in the environment"), e.getMessage());

        // a connection string given in code still makes such a builder work
        try (AzureMonitorExporter exporter = AzureMonitorExporter.fromProperties(p)
                .connectionString(endpoint.connectionString()).spoolDirectory(dir.resolve("s2")).build()) {
            assertEquals(dir.resolve("s2"), exporter.spoolDirectory());
        }
    }

    @Test
    void aMalformedConnectionStringIsNamedButNeverShown() {
        for (String bad : List.of("InstrumentationKey=" + IKEY + ";IngestionEndpoint=ftp://x",
                "InstrumentationKey=" + IKEY + "x;IngestionEndpoint=https://in.example/", IKEY)) {
            Properties p = new Properties();
            p.setProperty("branchline.telemetry.connection-string", bad);
            String m = assertThrows(IllegalArgumentException.class, () -> AzureMonitorExporter.fromProperties(p))
                .getMessage();
            assertTrue(m.startsWith("Setting branchline.telemetry.connection-string has an invalid value (secret, not"
                + " shown): expected an Application Insights connection string"), m);
            assertTrue(m.contains("expected") || m.contains("such as"), m);
            assertFalse(m.contains(IKEY) || m.contains(IKEY.substring(0, 8)), "key leaked: " + m);
            assertFalse(m.contains(bad), m);

            String e = assertThrows(IllegalArgumentException.class, () -> AzureMonitorExporter.fromEnvironment(
                Map.of("APPLICATIONINSIGHTS_CONNECTION_STRING", bad))).getMessage();
            assertTrue(e.startsWith("Setting branchline.telemetry.connection-string (APPLICATIONINSIGHTS_CONNECTION_STRING)"
                + " has an invalid value (secret, not shown)"), e);
            assertFalse(e.contains(IKEY.substring(0, 8)), "key leaked: " + e);
        }
        // a valid secret string never appears in what the builder describes
        Properties p = new Properties();
        p.setProperty("branchline.telemetry.connection-string", SECRET_CS);
        assertFalse(AzureMonitorExporter.fromProperties(p).describe().contains(IKEY));
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
            Arguments.of("branchline.telemetry.spool-directory", "/var/lib/\u0000telemetry", "a file path"),
            Arguments.of("branchline.telemetry.spool-max-size", "50 megabytes", "a size from 1MiB to 1024GiB, such as"),
            Arguments.of("branchline.telemetry.spool-max-size", "512KiB", "a size from 1MiB"),
            Arguments.of("branchline.telemetry.sampling-percentage", "half", "a number more than 0 and at most 100"),
            Arguments.of("branchline.telemetry.sampling-percentage", "0", "a number more than 0 and at most 100"),
            Arguments.of("branchline.telemetry.sampling-percentage", "150", "a number more than 0 and at most 100"),
            Arguments.of("branchline.telemetry.flush-interval", "0s", "a duration from 1ms to 1h with a unit, such as 500ms"),
            Arguments.of("branchline.telemetry.flush-interval", "5", "a duration from 1ms to 1h with a unit"),
            Arguments.of("branchline.telemetry.metrics-interval", "every minute", "a duration from 0 to 24h with a unit"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("malformed")
    void aMalformedPropertyIsNamedWithItsValueAndTheFix(String property, String value, String expected) {
        Properties p = full();
        p.setProperty(property, value);
        String m = assertThrows(IllegalArgumentException.class, () -> AzureMonitorExporter.fromProperties(p)).getMessage();
        assertTrue(m.startsWith("Setting " + property + " has an invalid value '" + value.replace("\u0000", "\\u0000")
            + "': expected"), m);
        assertTrue(m.contains(expected), m);
        assertFalse(m.contains(endpoint.instrumentationKey()), m);
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("malformed")
    void aMalformedVariableIsNamedWithItsPropertyItsValueAndTheFix(String property, String value, String expected) {
        Properties p = full();
        p.setProperty(property, value);
        String env = io.branchline.core.spi.Setting.environmentName(property);
        String m = assertThrows(IllegalArgumentException.class,
            () -> AzureMonitorExporter.fromEnvironment(asEnvironment(p))).getMessage();
        assertTrue(m.startsWith("Setting " + property + " (" + env + ") has an invalid value '" + value.replace("\u0000", "\\u0000") + "'"), m);
        assertTrue(m.contains(expected) && m.contains("environment"), m);
        assertFalse(m.contains(endpoint.instrumentationKey()), m);
    }
}
