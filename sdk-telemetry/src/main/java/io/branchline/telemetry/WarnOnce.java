package io.branchline.telemetry;

import com.azure.core.util.logging.ClientLogger;

import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logs a condition at warning level the first time, then at verbose (debug); or, for messages that carry detail
 * from ingestion, once per distinct message per interval. Messages never hold secrets.
 */
final class WarnOnce {
    /** How often the same per-item rejection message is warned about: {@value} ms (10 minutes). */
    static final long DISTINCT_MESSAGE_INTERVAL_MILLIS = 10 * 60_000;
    /** Distinct messages remembered; beyond that the memory starts again. */
    private static final int MAX_DISTINCT = 256;

    private final ClientLogger logger;
    private final Clock clock;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> lastWarned = new ConcurrentHashMap<>();

    WarnOnce(ClientLogger logger) {
        this(logger, Clock.systemUTC());
    }

    WarnOnce(ClientLogger logger, Clock clock) {
        this.logger = logger;
        this.clock = clock;
    }

    void warn(String condition, String message) {
        if (warned.add(condition)) {
            logger.warning(message + " (further occurrences are logged at debug level)");
        } else {
            logger.verbose(message);
        }
    }

    /**
     * Warns about each distinct {@code detail} at most once per {@link #DISTINCT_MESSAGE_INTERVAL_MILLIS}; repeats
     * within the interval go to debug.
     */
    void warnPerDistinct(String condition, String detail, String message) {
        String key = condition + '\u0000' + detail;
        long now = clock.millis();
        Long last = lastWarned.get(key);
        if (last == null || now - last >= DISTINCT_MESSAGE_INTERVAL_MILLIS) {
            if (lastWarned.size() >= MAX_DISTINCT) {
                lastWarned.clear();
            }
            lastWarned.put(key, now);
            logger.warning(message + " (the same message is logged at debug level for the next "
                + DISTINCT_MESSAGE_INTERVAL_MILLIS / 60_000 + " minutes)");
        } else {
            logger.verbose(message);
        }
    }

    /** Lets the condition warn again, for example after the service recovered. */
    void reset(String condition) {
        warned.remove(condition);
    }
}
