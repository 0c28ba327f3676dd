package io.branchline.core;

import java.io.IOException;

/** A response body over the configured maximum; the rest of it is not read. */
final class ResponseTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    ResponseTooLargeException(long limit, String what) {
        super("Response body " + what + " exceeds the maximum of " + limit
            + " bytes (maxResponseSize / branchline.max-response-size)");
    }
}
