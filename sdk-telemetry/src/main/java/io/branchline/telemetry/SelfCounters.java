package io.branchline.telemetry;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The exporter's own counters, kept in atomics and optionally exposed as Micrometer function counters. */
final class SelfCounters {
    static final String QUEUE_FULL = "queue_full";
    static final String BAD_REQUEST = "bad_request";
    static final String REJECTED = "rejected";
    static final String QUOTA = "quota";
    static final String SPOOL_FULL = "spool_full";
    static final String SPOOL_UNWRITABLE = "spool_unwritable";
    static final String SPOOL_EXPIRED = "spool_expired";
    static final String CORRUPT = "corrupt";
    static final String CLOSED = "closed";
    static final List<String> REASONS =
        List.of(QUEUE_FULL, BAD_REQUEST, REJECTED, QUOTA, SPOOL_FULL, SPOOL_UNWRITABLE, SPOOL_EXPIRED, CORRUPT, CLOSED);

    final AtomicLong sent = new AtomicLong();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong retried = new AtomicLong();
    final AtomicLong spooled = new AtomicLong();
    private final Map<String, AtomicLong> dropped = new ConcurrentHashMap<>();
    private volatile MeterRegistry registry;

    SelfCounters() {
        for (String r : REASONS) {
            dropped.put(r, new AtomicLong());
        }
    }

    void drop(String reason, long n) {
        if (n <= 0) {
            return;
        }
        AtomicLong c = dropped.get(reason);
        if (c == null) {
            c = dropped.computeIfAbsent(reason, k -> new AtomicLong());
            MeterRegistry r = registry;
            if (r != null) {
                registerDrop(r, reason, c);
            }
        }
        c.addAndGet(n);
    }

    long droppedTotal() {
        long n = 0;
        for (AtomicLong c : dropped.values()) {
            n += c.get();
        }
        return n;
    }

    Map<String, Long> droppedSnapshot() {
        Map<String, Long> out = new TreeMap<>();
        dropped.forEach((k, v) -> {
            if (v.get() > 0) {
                out.put(k, v.get());
            }
        });
        return out;
    }

    void bindTo(MeterRegistry r) {
        this.registry = r;
        register(r, "sent", sent);
        register(r, "accepted", accepted);
        register(r, "retried", retried);
        register(r, "spooled", spooled);
        dropped.forEach((reason, c) -> registerDrop(r, reason, c));
    }

    private static void register(MeterRegistry r, String result, AtomicLong c) {
        FunctionCounter.builder(MetricNames.TELEMETRY_ITEMS, c, AtomicLong::doubleValue)
            .description("Telemetry items handled by the Azure Monitor exporter")
            .tag(MetricNames.TAG_RESULT, result).tag(MetricNames.TAG_REASON, "none").register(r);
    }

    private static void registerDrop(MeterRegistry r, String reason, AtomicLong c) {
        FunctionCounter.builder(MetricNames.TELEMETRY_ITEMS, c, AtomicLong::doubleValue)
            .description("Telemetry items handled by the Azure Monitor exporter")
            .tag(MetricNames.TAG_RESULT, "dropped").tag(MetricNames.TAG_REASON, reason).register(r);
    }
}
