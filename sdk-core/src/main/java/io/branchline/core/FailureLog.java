package io.branchline.core;

import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;

import java.text.NumberFormat;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Summarises failed attempts for operators: at most one WARN line per region and outcome per interval, such as
 * {@code northeurope: 1,204 attempts failed with CONNECT_FAILED in the last 10 s (last: connection refused)}, however
 * many calls fail. Each failed call is thrown to its caller and logged only at DEBUG. Answers the caller's request
 * was wrong for (4xx other than 408 and 429) and cancelled attempts are not failures of the region and are left out.
 */
final class FailureLog {
    static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final ClientLogger LOGGER = new ClientLogger(FailureLog.class);

    private final ClientTime time;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final AtomicBoolean flushArmed = new AtomicBoolean();
    private volatile boolean closed;

    FailureLog(ClientTime time) {
        this.time = time;
    }

    private static final class Counter {
        final String region;
        final AttemptOutcome outcome;
        final LongAdder count = new LongAdder();
        volatile String last;

        Counter(String region, AttemptOutcome outcome) {
            this.region = region;
            this.outcome = outcome;
        }
    }

    void record(Region region, Attempt attempt) {
        AttemptOutcome o = attempt.outcome();
        if (o == AttemptOutcome.SUCCESS || o == AttemptOutcome.CANCELLED || o == AttemptOutcome.CLIENT_ERROR
            || closed) {
            return;
        }
        Counter c = counters.computeIfAbsent(region.name() + '\u0000' + o, k -> new Counter(region.name(), o));
        c.count.increment();
        c.last = attempt.error();
        if (flushArmed.compareAndSet(false, true)) {
            try {
                time.schedule(t -> flush(), INTERVAL.toNanos());
            } catch (IllegalStateException stopped) {
                flushArmed.set(false); // the client is closing: close() flushes
            }
        }
    }

    /** Logs what was counted since the last flush. */
    void flush() {
        flushArmed.set(false);
        for (Counter c : counters.values()) {
            long n = c.count.sumThenReset();
            if (n > 0) {
                LOGGER.atWarning().addKeyValue("region", c.region).addKeyValue("outcome", c.outcome)
                    .addKeyValue("count", n)
                    .log(c.region + ": " + NumberFormat.getIntegerInstance(Locale.ROOT).format(n) + " attempt"
                        + (n == 1 ? "" : "s") + " failed with " + c.outcome + " in the last " + INTERVAL.toSeconds()
                        + " s" + (c.last == null ? "" : " (last: " + c.last + ")"));
            }
        }
    }

    /** Logs what is left and stops counting. */
    void close() {
        closed = true;
        flush();
    }
}
