package io.branchline.telemetry;

import com.azure.core.util.logging.ClientLogger;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Logs a condition at warning level the first time, then at verbose (debug). Messages never hold secrets. */
final class WarnOnce {
    private final ClientLogger logger;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    WarnOnce(ClientLogger logger) {
        this.logger = logger;
    }

    void warn(String condition, String message) {
        if (warned.add(condition)) {
            logger.warning(message + " (further occurrences are logged at debug level)");
        } else {
            logger.verbose(message);
        }
    }

    /** Lets the condition warn again, for example after the service recovered. */
    void reset(String condition) {
        warned.remove(condition);
    }
}
