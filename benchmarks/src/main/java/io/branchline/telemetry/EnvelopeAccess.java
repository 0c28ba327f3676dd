package io.branchline.telemetry;

import java.time.Instant;

/**
 * Benchmark-only bridge to the exporter's package-private envelope writer: the exporter has no public path that
 * serialises one item without also queueing, batching, gzipping and posting it. Lives in the benchmarks module on
 * the class path (split package); it must follow {@code Envelopes} and {@code CallRecord} when they change.
 */
public final class EnvelopeAccess {
    private final Envelopes envelopes;
    private final CallRecord record;

    private EnvelopeAccess(Envelopes envelopes, CallRecord record) {
        this.envelopes = envelopes;
        this.record = record;
    }

    /** @return a writer and a typical successful call record (one region, one attempt) */
    public static EnvelopeAccess typical() {
        Envelopes e = new Envelopes("b7a1c0de-0000-4000-8000-000000000001", "branchline", "branch-0042",
            "branchline-java:0.1.0");
        CallRecord r = new CallRecord(Instant.parse("2025-01-01T12:00:00.123456Z"), "4bf92f3577b34da6a3ce929d0e0e4736",
            "00f067aa0ba902b7", null, "GET /api/orders/{id}", "https://orders-we.azurewebsites.net/api/orders/42",
            "orders-we.azurewebsites.net", "westeurope", "200", true, 12_345_678L, 1, false, false, 100.0,
            "westeurope(nearest)", false, null);
        return new EnvelopeAccess(e, r);
    }

    /** @return the RemoteDependency envelope of the typical record, as the sender writes it */
    public byte[] dependency() {
        return envelopes.dependency(record);
    }
}
