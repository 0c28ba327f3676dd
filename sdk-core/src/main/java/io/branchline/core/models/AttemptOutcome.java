package io.branchline.core.models;

/**
 * How one attempt of a call to one region ended.
 */
public enum AttemptOutcome {
    /** The region answered with a 2xx or 3xx status. */
    SUCCESS(true, false),
    /** The request never reached the server: DNS failure, connection refused or reset while connecting, TLS handshake failure. */
    CONNECT_FAILED(false, true),
    /**
     * Not sent: the attempt could not be prepared (the function key could not be read, the access token could not be
     * fetched, the request could not be built) or the client closed. Nothing left this machine.
     */
    NOT_SENT(false, true),
    /** Not sent: the region's concurrency limit was full or its circuit was open when the attempt was due. */
    REJECTED(false, true),
    /** No answer within the attempt's time budget; the server may have received and processed the request. */
    TIMEOUT(true, true),
    /** The region answered 5xx. */
    SERVER_ERROR(true, true),
    /** The region answered 429 (throttled, usually by the Functions host before running the function). */
    THROTTLED(true, true),
    /** The region answered 4xx other than 408 and 429: the request itself is wrong, another region would say the same. */
    CLIENT_ERROR(true, false),
    /** The connection failed after the request was sent, or the response could not be read. */
    IO_ERROR(true, true),
    /** The attempt was cancelled because a parallel (hedged) attempt won or the caller cancelled. */
    CANCELLED(true, false);

    private final boolean reachedServer;
    private final boolean retryable;

    AttemptOutcome(boolean reachedServer, boolean retryable) {
        this.reachedServer = reachedServer;
        this.retryable = retryable;
    }

    /**
     * Whether the request may have reached the server. Only attempts that certainly did not are replayed for
     * requests that are not idempotent.
     *
     * @return {@code false} only when the request certainly never reached a server
     */
    public boolean mayHaveReachedServer() {
        return reachedServer;
    }

    /**
     * Whether another region could succeed where this attempt failed.
     *
     * @return {@code true} for failures worth trying elsewhere
     */
    public boolean isRetryable() {
        return retryable;
    }

    /**
     * Whether the outcome says something bad about the region's health (counted by circuit breakers).
     * Client errors, throttling, rejections and cancellations do not.
     *
     * @return {@code true} for connect failures, timeouts, 5xx and I/O errors
     */
    public boolean isRegionFailure() {
        return this == CONNECT_FAILED || this == TIMEOUT || this == SERVER_ERROR || this == IO_ERROR;
    }
}
