package io.branchline.core;

import io.branchline.core.models.Attempt;

import java.util.List;
import java.util.Map;

/**
 * No region could serve the call: every region was tried and failed, or was skipped (circuit open, unhealthy,
 * throttled, excluded) and nothing was left to try within the deadline. {@link #unavailableRegions()} names each
 * region that was not tried and why; {@link #attempts()} lists those that were.
 */
public class NoRegionAvailableException extends FunctionCallException {
    private static final long serialVersionUID = 1L;

    private final transient Map<String, String> unavailable;

    NoRegionAvailableException(String message, String lastRegion, int lastStatus, List<Attempt> attempts,
        Map<String, String> unavailable, Throwable cause) {
        super(message, null, lastRegion, lastStatus, attempts, cause);
        this.unavailable = Map.copyOf(unavailable);
    }

    /** @return the regions that were not tried, each with the reason */
    public Map<String, String> unavailableRegions() {
        return unavailable;
    }
}
