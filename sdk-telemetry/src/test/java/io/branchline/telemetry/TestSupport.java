package io.branchline.telemetry;

import io.branchline.testkit.IngestionEndpoint;
import io.branchline.testkit.TelemetryItem;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** Shared setup for the exporter tests. */
final class TestSupport {
    static final Duration WAIT = Duration.ofSeconds(20);

    private TestSupport() {
    }

    static AzureMonitorExporter.Builder exporter(IngestionEndpoint endpoint, Path spool) {
        return AzureMonitorExporter.builder()
            .connectionString(endpoint.connectionString())
            .roleName("till-service")
            .roleInstance("branch-0042")
            .spoolDirectory(spool)
            .flushInterval(Duration.ofMillis(50))
            .metricsInterval(Duration.ZERO)
            .requestTimeout(Duration.ofSeconds(5))
            .closeTimeout(Duration.ofSeconds(5));
    }

    static List<TelemetryItem> dependencies(IngestionEndpoint endpoint) {
        return endpoint.acceptedItems().stream().filter(i -> "RemoteDependencyData".equals(i.baseType()))
            .collect(Collectors.toList());
    }

    static TelemetryItem byId(IngestionEndpoint endpoint, String spanId) {
        return dependencies(endpoint).stream().filter(i -> spanId.equals(i.baseData().get("id"))).findFirst()
            .orElseThrow(() -> new AssertionError("no dependency with id " + spanId + " in " + endpoint.acceptedItems()));
    }
}
