package io.branchline.core;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpResponse;
import io.branchline.core.models.Attempt;

import java.util.List;

/**
 * A call failed after at least one attempt reached a region: a region answered with an error status, did not answer
 * in time, or broke the connection after the request was sent. The message and {@link #attempts()} tell which regions
 * were tried and why each failed. When nothing could be sent anywhere, the subclass
 * {@link NoRegionAvailableException} is thrown instead.
 *
 * <p>When a region answered, {@link #statusCode()} is the last answer's status and {@link #getResponse()} that answer:
 * its headers and its body (read up to the client's response size limit, also available through
 * {@link #responseBody()}). The response's {@link HttpResponse#getRequest() request} is a redacted copy: function
 * keys, tokens and {@code code=} values are masked. Never holds function keys or tokens.
 *
 * <p><strong>Handling failures</strong></p>
 *
 * <!-- src_embed io.branchline.core.FunctionCallException -->
 * <pre>
 * try &#123;
 *     return client.invoke&#40;FunctionRequest.get&#40;&quot;&#47;api&#47;orders&#47;&#123;id&#125;&quot;&#41;.pathParam&#40;&quot;id&quot;, &quot;42&quot;&#41;.build&#40;&#41;&#41;
 *         .bodyAsString&#40;&#41;;
 * &#125; catch &#40;NoRegionAvailableException e&#41; &#123;
 *     &#47;&#47; Nothing could be tried: every region is out, and why.
 *     LOGGER.warn&#40;&quot;no region available: &#123;&#125;&quot;, e.unavailableRegions&#40;&#41;&#41;;
 *     throw e;
 * &#125; catch &#40;FunctionCallException e&#41; &#123;
 *     if &#40;e.statusCode&#40;&#41; == 404&#41; &#123;
 *         return null;   &#47;&#47; the function's own answer
 *     &#125;
 *     for &#40;Attempt attempt : e.attempts&#40;&#41;&#41; &#123;   &#47;&#47; which regions were tried and why each failed
 *         LOGGER.warn&#40;&quot;&#123;&#125;&quot;, attempt.describe&#40;&#41;&#41;;
 *     &#125;
 *     throw e;
 * &#125;
 * </pre>
 * <!-- end io.branchline.core.FunctionCallException -->
 */
public class FunctionCallException extends HttpResponseException {
    private static final long serialVersionUID = 1L;

    private final String region;
    private final int statusCode;
    private final transient List<Attempt> attempts;
    private final transient byte[] responseBody;
    private transient RoutePlan plan;
    private transient Route route;

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

    /** The plan the call used, for {@link #route()}; set once by the client before the exception is thrown. */
    FunctionCallException plan(RoutePlan plan) {
        this.plan = plan;
        return this;
    }

    /**
     * Why the call went where it went: the plan (each region with its score and reason, and those left out with
     * theirs) and why each attempt was sent. Built when first read.
     *
     * @return the route
     */
    public Route route() {
        Route r = route;
        if (r == null) {
            r = Route.of(plan, attempts, false);
            route = r;
        }
        return r;
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
