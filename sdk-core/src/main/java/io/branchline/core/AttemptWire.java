package io.branchline.core;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What one attempt puts on the wire and how it reads the answer: the azure-core request made from a
 * {@link FunctionRequest} for a region, and the response body read within the client's size limit. Stateless.
 */
final class AttemptWire {
    private static final HttpHeaderName CONTENT_TYPE = HttpHeaderName.CONTENT_TYPE;

    private AttemptWire() {
    }

    /**
     * The azure-core request of one attempt to {@code region}: its URL, the caller's headers, the function key (the
     * region's {@code configuredKey}, else a {@code code} query parameter, which never stays in the URL), the trace
     * context and the body.
     */
    static HttpRequest request(FunctionRequest request, Region region, String configuredKey, String traceparent) {
        String base = region.baseUrl();
        String path = request.path();
        String url = base.concat(path); // the common case, no query: one string
        String code = null;
        if (!request.query().isEmpty()) {
            StringBuilder withQuery = new StringBuilder(url.length() + 64).append(url);
            char sep = '?';
            for (Map.Entry<String, String> q : request.query().entrySet()) {
                if (q.getKey().equals("code")) {
                    // a function key given as ?code= goes in the header the Functions host also accepts, so no
                    // URL holding a key reaches the transport (or its logs)
                    code = q.getValue();
                    continue;
                }
                withQuery.append(sep).append(URLEncoder.encode(q.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(q.getValue(), StandardCharsets.UTF_8));
                sep = '&';
            }
            url = withQuery.toString();
        }
        HttpRequest http = new HttpRequest(request.method(), url);
        HttpHeaders headers = http.getHeaders();
        for (Map.Entry<String, String> h : request.headers().entrySet()) {
            headers.set(HttpHeaderName.fromString(h.getKey()), h.getValue());
        }
        // the configured key wins, as x-functions-key wins over ?code= at the Functions host
        String key = configuredKey != null ? configuredKey : code;
        if (key != null) {
            headers.set(ClientCore.FUNCTIONS_KEY, key);
        }
        headers.set(ClientCore.TRACEPARENT, traceparent);
        if (request.body() != null) {
            if (headers.getValue(CONTENT_TYPE) == null && request.contentType() != null) {
                headers.set(CONTENT_TYPE, request.contentType());
            }
            http.setBody(request.body());
        } else if (request.method() == HttpMethod.POST || request.method() == HttpMethod.PUT
            || request.method() == HttpMethod.PATCH) {
            http.setHeader(HttpHeaderName.CONTENT_LENGTH, "0");
        }
        return http;
    }

    /** The body of a response within the size limit, aggregated by the transport when its length is known. */
    static Mono<byte[]> body(HttpResponse response, long limit) {
        String len = response.getHeaderValue(HttpHeaderName.CONTENT_LENGTH);
        if (len != null) {
            try {
                long n = Long.parseLong(len.trim());
                if (n > limit) {
                    return Mono.error(new ResponseTooLargeException(limit, "of " + n + " bytes (Content-Length)"));
                }
                // Known length within the limit: let the transport aggregate the body without extra copies.
                return response.getBodyAsByteArray();
            } catch (NumberFormatException ignored) {
                // read and count instead
            }
        }
        return response.getBody()
            .reduce(new ByteArrayOutputStream(), (out, buf) -> append(out, buf, limit))
            .map(ByteArrayOutputStream::toByteArray);
    }

    private static ByteArrayOutputStream append(ByteArrayOutputStream out, ByteBuffer buf, long limit) {
        int n = buf.remaining();
        if (out.size() + (long) n > limit) {
            throw Exceptions.propagate(new ResponseTooLargeException(limit, "over"));
        }
        if (buf.hasArray()) {
            out.write(buf.array(), buf.arrayOffset() + buf.position(), n);
        } else {
            byte[] b = new byte[n];
            buf.get(b);
            out.write(b, 0, n);
        }
        return out;
    }
}
