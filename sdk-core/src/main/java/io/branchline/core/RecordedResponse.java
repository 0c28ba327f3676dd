package io.branchline.core;

import com.azure.core.http.HttpHeader;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * A failed call's last answer as an exception carries it: status, headers and the (bounded) body already read, and a
 * redacted copy of the request (secret headers masked, secret query values masked), never the one that went on the
 * wire.
 */
final class RecordedResponse extends HttpResponse {
    private final int status;
    private final HttpHeaders headers;
    private final byte[] body;

    private RecordedResponse(HttpRequest request, int status, HttpHeaders headers, byte[] body) {
        super(request);
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    static RecordedResponse redactedCopy(HttpResponse response, byte[] body) {
        return new RecordedResponse(redacted(response.getRequest()), response.getStatusCode(),
            redacted(response.getHeaders()), body == null ? new byte[0] : body);
    }

    static HttpRequest redacted(HttpRequest request) {
        if (request == null) {
            return null;
        }
        HttpRequest copy = new HttpRequest(request.getHttpMethod(), Redaction.url(request.getUrl().toString()));
        copy.setHeaders(redacted(request.getHeaders()));
        return copy;
    }

    private static HttpHeaders redacted(HttpHeaders headers) {
        HttpHeaders copy = new HttpHeaders();
        for (HttpHeader h : headers) {
            copy.set(HttpHeaderName.fromString(h.getName()),
                Redaction.isSecretHeader(h.getName()) ? Redaction.MASK : h.getValue());
        }
        return copy;
    }

    @Override
    public int getStatusCode() {
        return status;
    }

    @Override
    @Deprecated
    public String getHeaderValue(String name) {
        return headers.getValue(HttpHeaderName.fromString(name));
    }

    @Override
    public String getHeaderValue(HttpHeaderName name) {
        return headers.getValue(name);
    }

    @Override
    public HttpHeaders getHeaders() {
        return headers;
    }

    @Override
    public Flux<ByteBuffer> getBody() {
        return Flux.defer(() -> Flux.just(ByteBuffer.wrap(body).asReadOnlyBuffer()));
    }

    @Override
    public Mono<byte[]> getBodyAsByteArray() {
        return Mono.fromSupplier(body::clone);
    }

    @Override
    public Mono<String> getBodyAsString() {
        return Mono.fromSupplier(() -> new String(body, StandardCharsets.UTF_8));
    }

    @Override
    public Mono<String> getBodyAsString(Charset charset) {
        return Mono.fromSupplier(() -> new String(body, charset));
    }

    @Override
    public String toString() {
        return "RecordedResponse{status=" + status + ", request=" + getRequest().getHttpMethod() + ' '
            + getRequest().getUrl() + '}';
    }
}
