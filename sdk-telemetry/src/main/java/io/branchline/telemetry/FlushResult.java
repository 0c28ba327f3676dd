package io.branchline.telemetry;

/**
 * What {@link AzureMonitorExporter#flush(java.time.Duration)} achieved. A flush sends everything queued before it and
 * drains the disk spool; it returns when each item was accepted by ingestion, spooled because ingestion is down (or
 * asked to wait with Retry-After), or dropped and counted, or when its timeout ran out.
 *
 * <pre>{@code
 * FlushResult r = exporter.flush(Duration.ofSeconds(10));
 * if (!r.allDelivered()) {
 *     log.warn("telemetry not yet in Azure Monitor: " + r);
 * }
 * }</pre>
 *
 * @param delivered items ingestion accepted while the flush ran, spooled items sent again included
 * @param spooled items waiting in the disk spool when the flush returned; they are sent when ingestion answers again,
 *     by this exporter or the next one on the same folder
 * @param dropped items dropped (and counted in {@link ExporterStats#dropped()}) while the flush ran
 * @param completed {@code false} when the timeout ran out first (or the thread was interrupted): items may still be in
 *     memory or in flight
 */
public record FlushResult(long delivered, long spooled, long dropped, boolean completed) {

    /**
     * Whether everything reached ingestion: the flush completed, nothing waits in the spool and nothing was dropped.
     *
     * @return {@code true} when all telemetry so far was accepted by ingestion
     */
    public boolean allDelivered() {
        return completed && spooled == 0 && dropped == 0;
    }
}
