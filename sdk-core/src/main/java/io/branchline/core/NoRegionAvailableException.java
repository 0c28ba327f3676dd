package io.branchline.core;

import io.branchline.core.models.Attempt;

import java.util.List;
import java.util.Map;

/**
 * The call could not be sent to any region: every region was out of reach (connection refused, DNS, TLS handshake),
 * could not be prepared (no key, no token) or was left out (circuit open, unhealthy, throttled, excluded). Nothing
 * reached a function, so the call can be repeated safely. {@link #unavailableRegions()} names each region, in the
 * order they were considered, and why; {@link #attempts()} lists the attempts made. When at least one region was
 * reached, the call fails with a plain {@link FunctionCallException} instead.
 */
public class NoRegionAvailableException extends FunctionCallException {
    private static final long serialVersionUID = 1L;

    private final transient Map<String, String> unavailable;

    NoRegionAvailableException(String message, String lastRegion, int lastStatus, List<Attempt> attempts,
        Map<String, String> unavailable, Throwable cause) {
        super(message, null, lastRegion, lastStatus, attempts, cause);
        this.unavailable = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(unavailable));
    }

    /** @return every region considered, in order, each with the reason it could not be sent to */
    public Map<String, String> unavailableRegions() {
        return unavailable;
    }
}
