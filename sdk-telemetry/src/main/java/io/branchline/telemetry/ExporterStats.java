package io.branchline.telemetry;

import java.util.Map;

/**
 * A snapshot of what an {@link AzureMonitorExporter} did with its telemetry items since it was built. The same
 * counts are exposed as the {@code branchline.telemetry.items} meter when a registry is given.
 *
 * @param sent items posted to the ingestion endpoint (resends included)
 * @param accepted items the endpoint accepted
 * @param retried items posted again after a retryable failure (206 resends and spool drains)
 * @param spooled items written to the disk spool
 * @param dropped items lost on purpose, by reason ({@code queue_full}, {@code bad_request}, {@code rejected},
 *     {@code quota}, {@code spool_full} (the spool reached its size cap), {@code spool_unwritable} (the spool folder
 *     cannot be created or written), {@code spool_expired}, {@code corrupt}, {@code closed})
 * @param queued items waiting in memory now
 * @param spoolFiles files in the spool now
 * @param spoolBytes bytes in the spool now
 */
public record ExporterStats(long sent, long accepted, long retried, long spooled, Map<String, Long> dropped,
    int queued, int spoolFiles, long spoolBytes) {

    /**
     * Copies the drop counts.
     *
     * @param sent items posted
     * @param accepted items accepted
     * @param retried items posted again
     * @param spooled items spooled
     * @param dropped drops by reason
     * @param queued items in memory
     * @param spoolFiles spool files
     * @param spoolBytes spool bytes
     */
    public ExporterStats {
        dropped = Map.copyOf(dropped);
    }

    /**
     * All dropped items.
     *
     * @return the sum of {@link #dropped()}
     */
    public long droppedTotal() {
        return dropped.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Dropped items for one reason.
     *
     * @param reason such as {@code queue_full}
     * @return the count, 0 when none
     */
    public long dropped(String reason) {
        return dropped.getOrDefault(reason, 0L);
    }
}
