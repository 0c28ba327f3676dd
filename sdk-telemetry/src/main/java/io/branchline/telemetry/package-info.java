/**
 * Telemetry for Branchline clients.
 *
 * <ul>
 *   <li>{@link io.branchline.telemetry.BranchlineMetrics}: a {@code CallListener} and Micrometer {@code MeterBinder}
 *       that records calls, attempts, failovers, hedges and region state on the application's registry; meter names
 *       are in {@link io.branchline.telemetry.MetricNames}.</li>
 *   <li>{@link io.branchline.telemetry.AzureMonitorExporter}: a {@code CallListener} that sends one Application
 *       Insights dependency per call and periodic region metrics to Azure Monitor, through a bounded queue, a
 *       background sender and a disk spool, configured by a {@link io.branchline.telemetry.ConnectionString}.</li>
 * </ul>
 */
package io.branchline.telemetry;
