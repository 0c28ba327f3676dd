package io.branchline.samples.azuremonitor;

import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;
import io.branchline.core.models.RegionStatus;
import io.branchline.core.spi.StaleResponseCache;
import io.branchline.core.spi.StoredResponse;
import io.branchline.telemetry.AzureMonitorExporter;
import io.branchline.testkit.Fault;
import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.RegionSimulator;
import io.branchline.testkit.TelemetryItem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The queries and the workbook use exactly the properties and metric names the exporter writes: the exporter runs
 * a real workload into the local ingestion endpoint, and every name the KQL refers to must appear there.
 */
class AzureMonitorQueriesTest {
    private static final Pattern DIMENSION = Pattern.compile("customDimensions(?:\\.([A-Za-z_][A-Za-z0-9_]*)|\\[\"([^\"]+)\"])");
    private static final Pattern METRIC_NAME = Pattern.compile("\"(branchline\\.[a-z.]+)\"");
    private static final Set<String> properties = new HashSet<>();
    private static final Set<String> metricNames = new HashSet<>();
    private static final Set<String> dependencyTypes = new HashSet<>();
    private static final Set<String> eventNames = new HashSet<>();

    @BeforeAll
    static void runTheExporter(@TempDir Path spool) throws Exception {
        try (RegionSimulator sim = RegionSimulator.builder().region("westeurope", Duration.ZERO)
                .region("northeurope", Duration.ZERO).build();
             IngestionEndpoint ingestion = IngestionEndpoint.start()) {
            List<RegionStatus> status = List.of(
                new RegionStatus("westeurope", RegionHealth.UNHEALTHY, BreakerState.OPEN, Duration.ofMillis(9), null, 0, 0),
                new RegionStatus("northeurope", RegionHealth.HEALTHY, BreakerState.CLOSED, Duration.ofMillis(25), null, 1, 0));
            try (AzureMonitorExporter exporter = AzureMonitorExporter.builder().connectionString(ingestion.connectionString())
                    .roleName("branch-app").roleInstance("branch-042").spoolDirectory(spool)
                    .flushInterval(Duration.ofMillis(100)).metricsInterval(Duration.ofMillis(100))
                    .regionStatus(() -> status).build();
                 FunctionClient client = new FunctionClientBuilder()
                    .region("westeurope", sim.region("westeurope").baseUrl())
                    .region("northeurope", sim.region("northeurope").baseUrl())
                    .allowPlainHttp(true).staleIfError(Duration.ofMinutes(5)).staleIfErrorCache(new MapStore())
                    .addListener(exporter).buildClient()) {
                client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "1").build());
                sim.region("westeurope").fault(Fault.serverError(503));
                client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "2").build());
                exporter.controlChanged(new io.branchline.core.models.ControlChange(java.time.Instant.now(),
                    "file /etc/branchline/control.properties", Map.of("exclude", "westeurope"), Map.of("exclude", ""),
                    List.of()));
                // a link outage: its events, and a stale answer with its error
                exporter.branchLinkDown("every region refused connections within 5000 ms");
                sim.branchLinkDown();
                client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "2").build());
                exporter.branchLinkRestored(Duration.ofSeconds(10));
                exporter.flush(Duration.ofSeconds(10));
                assertTrue(ingestion.awaitAccepted(8, Duration.ofSeconds(10)));
            }
            ingestion.assertNoViolations();
            for (TelemetryItem item : ingestion.acceptedItems()) {
                Object props = item.baseData().get("properties");
                if (props instanceof Map<?, ?> m) {
                    m.keySet().forEach(k -> properties.add(String.valueOf(k)));
                }
                if ("MetricData".equals(item.baseType())) {
                    for (Object metric : (List<?>) item.baseData().get("metrics")) {
                        metricNames.add(String.valueOf(((Map<?, ?>) metric).get("name")));
                    }
                } else if ("EventData".equals(item.baseType())) {
                    eventNames.add(String.valueOf(item.baseData().get("name")));
                } else if ("RemoteDependencyData".equals(item.baseType())) {
                    dependencyTypes.add(String.valueOf(item.baseData().get("type")));
                }
            }
        }
    }

    /** The application's own stale-if-error store: a map is enough for three calls. */
    private static final class MapStore implements StaleResponseCache {
        private final Map<String, StoredResponse> map = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void put(String key, StoredResponse response) {
            map.put(key, response);
        }

        @Override
        public StoredResponse get(String key) {
            return map.get(key);
        }

        @Override
        public void remove(String key) {
            map.remove(key);
        }

        @Override
        public long size() {
            return map.size();
        }
    }

    private static void assertNamesExist(String source, String text) {
        Matcher d = DIMENSION.matcher(text);
        int dims = 0;
        while (d.find()) {
            String name = d.group(1) != null ? d.group(1) : d.group(2);
            assertTrue(properties.contains(name), source + " uses customDimensions." + name
                + ", which the exporter never writes; it writes " + properties);
            dims++;
        }
        Matcher m = METRIC_NAME.matcher(text);
        while (m.find()) {
            assertTrue(metricNames.contains(m.group(1)) || eventNames.contains(m.group(1)), source + " uses the metric"
                + " or event " + m.group(1) + ", which the exporter never sends; it sends " + metricNames + " and "
                + eventNames);
        }
        if (text.contains("type == \"")) {
            Matcher t = Pattern.compile("type == \"([^\"]+)\"").matcher(text);
            while (t.find()) {
                assertTrue(dependencyTypes.contains(t.group(1)), source + " filters type == " + t.group(1));
            }
        }
        assertTrue(dims > 0 || text.contains("cloud_RoleInstance"), source + " looks at no Branchline field");
    }

    @Test
    void queriesUseTheFieldsTheExporterWrites() throws Exception {
        String kql = Files.readString(Path.of("queries.kql"));
        String[] sections = kql.split("(?m)^// --- ");
        assertTrue(sections.length >= 7, "every panel of the pane of glass has a query");
        for (int i = 1; i < sections.length; i++) {
            assertNamesExist("queries.kql section '" + sections[i].lines().findFirst().orElse("") + "'", sections[i]);
        }
        for (String needed : List.of("branchline.breaker.state", "branchline.telemetry.dropped", "percentile(duration, 95)",
            "customDimensions.failover", "customDimensions.hedged", "customDimensions.region", "customDimensions.branch",
            "customDimensions.slot", "branchline.control", "customDimensions.change", "customDimensions.route",
            "branchline.link.down", "customDimensions.servedStale")) {
            assertTrue(kql.contains(needed), "queries.kql covers " + needed);
        }
    }

    @Test
    void workbookIsValidJsonAndItsQueriesUseTheSameFields() throws Exception {
        List<String> queries = new ArrayList<>();
        try (JsonReader reader = JsonProviders.createReader(Files.readString(Path.of("workbook.json")))) {
            Map<String, Object> workbook = reader.readMap(JsonReader::readUntyped);
            assertEquals("Notebook/1.0", workbook.get("version"));
            for (Object item : (List<?>) workbook.get("items")) {
                Map<?, ?> content = (Map<?, ?>) ((Map<?, ?>) item).get("content");
                if (content.get("query") != null) {
                    queries.add((String) content.get("query"));
                }
            }
        }
        assertFalse(queries.isEmpty());
        for (String q : queries) {
            assertNamesExist("workbook.json", q);
        }
    }
}
