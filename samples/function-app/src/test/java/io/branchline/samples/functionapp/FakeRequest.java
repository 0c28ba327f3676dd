package io.branchline.samples.functionapp;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.HttpStatusType;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/** A request as the Functions host would hand it over, for testing handlers as plain Java. */
final class FakeRequest implements HttpRequestMessage<Optional<String>> {
    private final HttpMethod method;
    private final String body;
    private final Map<String, String> headers = new HashMap<>();

    FakeRequest(HttpMethod method, String body) {
        this.method = method;
        this.body = body;
    }

    FakeRequest header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    static ExecutionContext context() {
        return new ExecutionContext() {
            @Override
            public Logger getLogger() {
                return Logger.getLogger("test");
            }

            @Override
            public String getInvocationId() {
                return "test-invocation";
            }

            @Override
            public String getFunctionName() {
                return "test";
            }
        };
    }

    @Override
    public URI getUri() {
        return URI.create("https://orders-we.azurewebsites.net/api/orders");
    }

    @Override
    public HttpMethod getHttpMethod() {
        return method;
    }

    @Override
    public Map<String, String> getHeaders() {
        return headers;
    }

    @Override
    public Map<String, String> getQueryParameters() {
        return Map.of();
    }

    @Override
    public Optional<String> getBody() {
        return Optional.ofNullable(body);
    }

    @Override
    public HttpResponseMessage.Builder createResponseBuilder(HttpStatus status) {
        return createResponseBuilder((HttpStatusType) status);
    }

    @Override
    public HttpResponseMessage.Builder createResponseBuilder(HttpStatusType status) {
        return new HttpResponseMessage.Builder() {
            private HttpStatusType st = status;
            private final Map<String, String> h = new HashMap<>();
            private Object b;

            @Override
            public HttpResponseMessage.Builder status(HttpStatusType s) {
                st = s;
                return this;
            }

            @Override
            public HttpResponseMessage.Builder header(String key, String value) {
                h.put(key, value);
                return this;
            }

            @Override
            public HttpResponseMessage.Builder body(Object o) {
                b = o;
                return this;
            }

            @Override
            public HttpResponseMessage build() {
                HttpStatusType fs = st;
                Object fb = b;
                return new HttpResponseMessage() {
                    @Override
                    public HttpStatusType getStatus() {
                        return fs;
                    }

                    @Override
                    public String getHeader(String key) {
                        return h.get(key);
                    }

                    @Override
                    public Object getBody() {
                        return fb;
                    }
                };
            }
        };
    }
}
