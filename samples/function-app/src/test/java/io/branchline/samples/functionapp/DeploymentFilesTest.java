package io.branchline.samples.functionapp;

import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The files deployed with the app, or copied to run it locally, say what the code and Branchline's probes expect. */
class DeploymentFilesTest {
    private static final Pattern SECRET = Pattern.compile(
        "(?i)(AccountKey|SharedAccessKey|InstrumentationKey|Password|code)=[^;\"]+");

    /** The module's folder (surefire names it in {@code basedir}). */
    private static final Path MODULE = Path.of(System.getProperty("basedir", "."));

    private static Map<?, ?> read(String file) throws Exception {
        try (JsonReader reader = JsonProviders.createReader(Files.readAllBytes(MODULE.resolve(file)))) {
            reader.nextToken();
            return (Map<?, ?>) reader.readUntyped();
        }
    }

    @Test
    void hostJsonServesTheRoutesUnderApiWithTheExtensionBundle() throws Exception {
        Map<?, ?> host = read("host.json");
        assertEquals("2.0", host.get("version"), "the Functions 4.x host reads schema 2.0");
        // Branchline's probes default to GET /api/health, and the branches call /api/orders
        Map<?, ?> http = (Map<?, ?>) ((Map<?, ?>) host.get("extensions")).get("http");
        assertEquals("api", http.get("routePrefix"));
        Map<?, ?> bundle = (Map<?, ?>) host.get("extensionBundle");
        assertEquals("Microsoft.Azure.Functions.ExtensionBundle", bundle.get("id"));
    }

    @Test
    void localSettingsExampleHasWhatTheAppReadsAndNoSecret() throws Exception {
        String text = Files.readString(MODULE.resolve("local.settings.example.json"));
        Map<?, ?> settings = read("local.settings.example.json");
        assertEquals(Boolean.FALSE, settings.get("IsEncrypted"));
        Map<?, ?> values = (Map<?, ?>) settings.get("Values");
        assertEquals("java", values.get("FUNCTIONS_WORKER_RUNTIME"));
        assertNotNull(values.get("REGION_NAME"), "read by OrderFunctions and HealthFunction");
        Object store = values.get(Readiness.ORDERS_STORE_SETTING);
        assertNotNull(store, "read by the readiness check");
        assertDoesNotThrow(() -> Readiness.tcp(store.toString(), Duration.ofSeconds(1)), "host:port");
        assertFalse(SECRET.matcher(text).find(), "an example carries no key, password or connection secret");
        assertTrue(Files.readString(MODULE.resolve("../../.gitignore")).lines().anyMatch("local.settings.json"::equals),
            "the real local.settings.json, which holds secrets, stays out of git");
    }
}
