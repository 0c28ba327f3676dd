package io.branchline.core;

/**
 * An attempt failed before anything was sent: its request, function key or access token could not be made, or the
 * client closed. Classed {@link io.branchline.core.models.AttemptOutcome#NOT_SENT}, so even a request that is not
 * idempotent may move to another region.
 */
final class AttemptNotSentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AttemptNotSentException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
