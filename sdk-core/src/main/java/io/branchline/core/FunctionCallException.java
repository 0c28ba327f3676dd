package io.branchline.core;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpResponse;
import io.branchline.core.models.Attempt;

import java.util.List;

/**
 * A call failed: the last region answered with an error status, or no region answered in time. The message and
 * {@link #attempts()} tell which regions were tried and why each failed. Never holds function keys or tokens.
 *
 * <p>When a region answered, {@link #statusCode()} is its status and {@link #getResponse()} its response (its body
 * already read, available through {@link #responseBody()}).
 */
public class FunctionCallException extends HttpResponseException {
    private static final long serialVersionUID = 1L;

    private final String region;
    private final int statusCode;
    private final transient List<Attempt> attempts;
    private final transient byte[] responseBody;

    FunctionCallException(String message, HttpResponse response, String region, int statusCode,
        List<Attempt> attempts, Throwable cause) {
        this(message, response, region, statusCode, attempts, null, cause);
    }

    FunctionCallException(String message, HttpResponse response, String region, int statusCode,
        List<Attempt> attempts, byte[] responseBody, Throwable cause) {
        super(Redaction.text(message), response, cause);
        this.region = region;
        this.statusCode = statusCode;
        this.attempts = List.copyOf(attempts);
        this.responseBody = responseBody;
    }

    /** @return the region of the last attempt, or {@code null} when none was made */
    public String region() {
        return region;
    }

    /** @return the status of the last answer, or 0 when no region answered */
    public int statusCode() {
        return statusCode;
    }

    /** @return every attempt made, in order */
    public List<Attempt> attempts() {
        return attempts;
    }

    /** @return the body of the error response, or an empty array */
    public byte[] responseBody() {
        return responseBody == null ? new byte[0] : responseBody.clone();
    }

    /** @return the request id the region sent back ({@code x-ms-request-id} or {@code x-request-id}), or {@code null} */
    public String requestId() {
        HttpResponse r = getResponse();
        if (r == null) {
            return null;
        }
        String id = r.getHeaderValue(HttpHeaderName.X_MS_REQUEST_ID);
        return id != null ? id : r.getHeaderValue(HttpHeaderName.fromString("x-request-id"));
    }

    static String describe(List<Attempt> attempts) {
        StringBuilder sb = new StringBuilder();
        for (Attempt a : attempts) {
            sb.append("\n  attempt ").append(a.number()).append(' ').append(a.describe());
        }
        return sb.toString();
    }
}
