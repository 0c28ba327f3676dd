package io.branchline.telemetry;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.util.logging.ClientLogger;
import reactor.core.publisher.Mono;

/**
 * Logs each ingestion request at debug level through the logger {@value #LOGGER_NAME}, so that logging rules for
 * {@code io.branchline} reach it: method, URL without query string, status or failure, time and body size. Never
 * headers or bodies (the Authorization header carries a token; bodies carry telemetry).
 */
final class HttpLogPolicy implements HttpPipelinePolicy {
    /** The logger name: {@value}. */
    static final String LOGGER_NAME = "io.branchline.telemetry.http";
    private static final ClientLogger LOGGER = new ClientLogger(LOGGER_NAME);

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        if (!LOGGER.canLogAtLevel(com.azure.core.util.logging.LogLevel.VERBOSE)) {
            return next.process();
        }
        long start = System.nanoTime();
        String url = context.getHttpRequest().getUrl().toString();
        int q = url.indexOf('?');
        String target = context.getHttpRequest().getHttpMethod() + " " + (q >= 0 ? url.substring(0, q) : url);
        Long size = context.getHttpRequest().getHeaders().getValue(com.azure.core.http.HttpHeaderName.CONTENT_LENGTH)
            == null ? null : Long.valueOf(context.getHttpRequest().getHeaders()
                .getValue(com.azure.core.http.HttpHeaderName.CONTENT_LENGTH));
        return next.process()
            .doOnNext(r -> LOGGER.verbose(target + " -> " + r.getStatusCode() + " in "
                + (System.nanoTime() - start) / 1_000_000 + " ms" + (size == null ? "" : ", " + size + " bytes sent")))
            .doOnError(e -> LOGGER.verbose(target + " -> " + e.getClass().getSimpleName() + " after "
                + (System.nanoTime() - start) / 1_000_000 + " ms"));
    }
}
