/**
 * Branchline telemetry: Micrometer meters for calls and regions, and an Azure Monitor (Application Insights)
 * exporter that speaks the ingestion protocol on azure-core's pipeline, with a disk spool that loses nothing.
 */
module io.branchline.telemetry {
    requires transitive io.branchline.core;
    requires transitive micrometer.core;
    requires com.azure.json;

    exports io.branchline.telemetry;

    provides io.branchline.core.spi.ClientExtension with io.branchline.telemetry.TelemetryExtension;
}
