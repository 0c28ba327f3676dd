package io.branchline.core;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.Context;
import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.AttemptOutcome;
import io.netty.util.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs calls: takes the router's plan, sends attempts through the pipeline, hedges idempotent calls, fails over on
 * retryable failures within the deadline, the attempt limit and the retry budget, and reports every event.
 */
final class CallExecutor {
    private static final ClientLogger LOGGER = new ClientLogger(CallExecutor.class);
    private static final HttpHeaderName CONTENT_TYPE = HttpHeaderName.CONTENT_TYPE;
    private static final HttpHeaderName RETRY_AFTER = HttpHeaderName.RETRY_AFTER;
    private static final HttpHeaderName RETRY_AFTER_MS = HttpHeaderName.fromString("retry-after-ms");
    private static final HttpHeaderName SCALEOUT = HttpHeaderName.fromString("X-FUNCTION-SCALEOUT");
    private static final HttpHeaderName X_MS_RETRY_AFTER_MS = HttpHeaderName.fromString("x-ms-retry-after-ms");

    /** The body of a response without one; never handed out (FunctionResponse copies its body on read). */
    private static final byte[] NO_BODY = new byte[0];

    private final ClientCore core;

    CallExecutor(ClientCore core) {
        this.core = core;
    }

    Mono<FunctionResponse> execute(FunctionRequest request, Context context) {
        return Mono.create(sink -> {
            if (core.isClosed()) {
                sink.error(new IllegalStateException("The client is closed"));
                return;
            }
            Call call = new Call(request, context == null ? Context.NONE : context, sink);
            sink.onCancel(call::cancel);
            call.start();
        });
    }

    /** The state of one call. Guarded by {@code this}; listener events are fast by contract. */
    private final class Call {
        private final FunctionRequest request;
        private final Context context;
        private final MonoSink<FunctionResponse> sink;
        private final CallInfo info;
        private final long deadlineNanos;
        private final boolean hedgeAllowed;
        private final List<Attempt> attempts = new ArrayList<>(2);
        private final Map<Integer, InFlight> inFlight = new LinkedHashMap<>(4);
        /** Regions left out or refused, with the reason; made only when a call needs it. */
        private Map<String, String> skipped = Map.of();
        private RoutePlan plan;
        private int next;
        private int started;
        private boolean hedged;
        private boolean done;
        private Timeout timer;
        private Attempt lastFailure;
        private Region lastFailureRegion;
        private HttpResponse lastResponse;
        private byte[] lastBody;
        private boolean lastHostThrottled;
        private boolean lastTooLarge;

        Call(FunctionRequest request, Context context, MonoSink<FunctionResponse> sink) {
            this.request = request;
            this.context = context;
            this.sink = sink;
            long now = System.nanoTime();
            this.info = new CallInfo(request, TraceContext.newSpan(request.traceparent()), core.clock.instant(), now);
            Duration d = request.deadline() != null ? request.deadline() : core.timeouts.call();
            this.deadlineNanos = now + d.toNanos();
            Boolean h = request.hedge();
            boolean read = request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD;
            this.hedgeAllowed = request.isIdempotent() && (h != null ? h : core.failover.hedgeReads() && read);
        }

        void start() {
            core.budget.onCall();
            core.listener.callStart(info);
            synchronized (this) {
                plan = core.router.plan(request);
                if (!plan.unavailable().isEmpty()) {
                    skipped().putAll(plan.unavailable());
                }
                if (!launchNext(false)) {
                    exhausted();
                }
            }
        }

        private Map<String, String> skipped() {
            if (!(skipped instanceof LinkedHashMap)) {
                skipped = new LinkedHashMap<>();
            }
            return skipped;
        }

        /** Sends the next region of the plan that accepts an attempt; false when none is left. Holds the lock. */
        private boolean launchNext(boolean hedge) {
            List<Region> regions = plan.regions();
            while (next < regions.size()) {
                Region region = regions.get(next++);
                if (!core.router.tryAcquire(region)) {
                    skipped().put(region.name(), "concurrency limit reached");
                    continue;
                }
                send(region, hedge);
                return true;
            }
            return false;
        }

        private void send(Region region, boolean hedge) {
            int number = ++started;
            long remaining = deadlineNanos - System.nanoTime();
            // Until the headers arrive: connect plus response time, so that a connect that hangs ends as the
            // transport's CONNECT_FAILED (safe to replay) rather than as this timer's TIMEOUT; the body is bounded
            // by the transport's read timeout; the whole attempt by the call's deadline.
            long headersNanos = core.timeouts.connect().toNanos() + core.timeouts.response().toNanos();
            Duration headersTimeout = Duration.ofNanos(Math.max(1, Math.min(headersNanos, remaining)));
            core.listener.attemptStart(info, region, number, hedge);
            InFlight f = new InFlight(region, number, hedge, System.nanoTime());
            inFlight.put(number, f);
            HttpRequest http = httpRequest(region);
            // One timer per attempt on the client's timer wheel (constant-time, lock-free; Reactor's timeout operator
            // costs far more per call): first for the headers, then, once they arrived, for the rest of the deadline.
            try {
                f.timer = core.timers.newTimeout(t -> onAttemptTimeout(f, headersTimeout, "response headers"),
                    headersTimeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (IllegalStateException e) {
                onResult(f, null, new IllegalStateException("The client was closed during the call"));
                return;
            }
            f.disposable = core.pipeline.send(http, context)
                .flatMap(response -> {
                    // Headers arrived: when the timer fires now, it re-arms for the rest of the deadline instead.
                    f.headersArrived = true;
                    return readBody(response);
                })
                .subscribe(r -> onResult(f, r, null), e -> onResult(f, null, e));
            if (!hedge && !hedged && hedgeAllowed && plan.hedgeDelay() != null && next < plan.regions().size()
                && started < core.failover.maxAttempts()) {
                long delay = plan.hedgeDelay().toNanos();
                if (delay < remaining) {
                    cancelTimer();
                    timer = core.timers.newTimeout(t -> onHedgeTimer(), delay, TimeUnit.NANOSECONDS);
                }
            }
        }

        private HttpRequest httpRequest(Region region) {
            StringBuilder url = new StringBuilder(region.baseUrl()).append(request.path());
            if (!request.query().isEmpty()) {
                char sep = '?';
                for (Map.Entry<String, String> q : request.query().entrySet()) {
                    url.append(sep).append(URLEncoder.encode(q.getKey(), StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(q.getValue(), StandardCharsets.UTF_8));
                    sep = '&';
                }
            }
            HttpRequest http = new HttpRequest(request.method(), url.toString());
            HttpHeaders headers = http.getHeaders();
            for (Map.Entry<String, String> h : request.headers().entrySet()) {
                headers.set(HttpHeaderName.fromString(h.getKey()), h.getValue());
            }
            String key = core.keyFor(region);
            if (key != null) {
                headers.set(ClientCore.FUNCTIONS_KEY, key);
            }
            headers.set(ClientCore.TRACEPARENT, info.traceparent());
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

        private Mono<Result> readBody(HttpResponse response) {
            long limit = core.maxResponseBytes;
            String len = response.getHeaderValue(HttpHeaderName.CONTENT_LENGTH);
            if (len != null) {
                try {
                    long n = Long.parseLong(len.trim());
                    if (n > limit) {
                        response.close();
                        return Mono.error(new ResponseTooLargeException(limit, "of " + n + " bytes (Content-Length)"));
                    }
                } catch (NumberFormatException ignored) {
                    // read and count instead
                }
            }
            if (len != null) {
                // Known length within the limit: let the transport aggregate the body without extra copies.
                return response.getBodyAsByteArray()
                    .defaultIfEmpty(NO_BODY)
                    .map(bytes -> new Result(response, bytes))
                    .doFinally(s -> response.close());
            }
            return response.getBody()
                .reduce(new ByteArrayOutputStream(), (out, buf) -> append(out, buf, limit))
                .map(out -> new Result(response, out.toByteArray()))
                .doFinally(s -> response.close());
        }

        private ByteArrayOutputStream append(ByteArrayOutputStream out, ByteBuffer buf, long limit) {
            int n = buf.remaining();
            if (out.size() + (long) n > limit) {
                throw reactor.core.Exceptions.propagate(new ResponseTooLargeException(limit, "over"));
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

        private void onAttemptTimeout(InFlight f, Duration after, String waitingFor) {
            if (f.headersArrived && !f.bodyTimerArmed) {
                long left = deadlineNanos - System.nanoTime();
                if (left > 0) {
                    f.bodyTimerArmed = true;
                    f.timer = core.timers.newTimeout(t -> onAttemptTimeout(f, Duration.ofNanos(left), "the response body"),
                        left, TimeUnit.NANOSECONDS);
                    return;
                }
            }
            Disposable d = f.disposable;
            if (d != null) {
                d.dispose();
            }
            onResult(f, null, new TimeoutException("No " + waitingFor + " within " + after.toMillis() + " ms"));
        }

        private void onResult(InFlight f, Result result, Throwable error) {
            Timeout t = f.timer;
            if (t != null) {
                t.cancel();
            }
            Duration latency = Duration.ofNanos(System.nanoTime() - f.startNanos);
            Attempt attempt;
            if (error != null) {
                Throwable cause = reactor.core.Exceptions.unwrap(error);
                AttemptOutcome o = Outcomes.ofError(cause);
                attempt = new Attempt(f.region.name(), f.number, o, 0, latency, null, Outcomes.describe(cause), f.hedge);
            } else {
                int status = result.response.getStatusCode();
                AttemptOutcome o = Outcomes.ofStatus(status);
                Duration retryAfter = o == AttemptOutcome.SUCCESS ? null : Outcomes.retryAfter(
                    result.response.getHeaderValue(RETRY_AFTER),
                    firstNonNull(result.response.getHeaderValue(RETRY_AFTER_MS),
                        result.response.getHeaderValue(X_MS_RETRY_AFTER_MS)), core.clock);
                String err = o == AttemptOutcome.SUCCESS ? null : "HTTP " + status;
                attempt = new Attempt(f.region.name(), f.number, o, status, latency, retryAfter, err, f.hedge);
            }
            FunctionResponse success = null;
            FunctionCallException failure = null;
            synchronized (this) {
                if (inFlight.remove(f.number) == null) {
                    return; // already ended as cancelled
                }
                core.router.onAttemptEnd(f.region, attempt);
                record(attempt);
                core.listener.attemptEnd(info, f.region, attempt);
                if (done) {
                    return;
                }
                if (attempt.outcome() == AttemptOutcome.SUCCESS) {
                    done = true;
                    cancelTimer();
                    cancelOthers();
                    success = new FunctionResponse(result.response.getStatusCode(), result.response.getHeaders(),
                        result.body, f.region, attempts, Duration.ofNanos(System.nanoTime() - info.startNanos()));
                } else {
                    lastFailure = attempt;
                    lastFailureRegion = f.region;
                    if (result != null) {
                        lastResponse = result.response;
                        lastBody = result.body;
                    }
                    lastHostThrottled = result != null && attempt.outcome() == AttemptOutcome.THROTTLED
                        && result.response.getHeaderValue(SCALEOUT) != null;
                    // every region serves the same function: a response over the limit would be as large elsewhere
                    lastTooLarge = error != null
                        && reactor.core.Exceptions.unwrap(error) instanceof ResponseTooLargeException;
                    failure = afterFailure(f.region, attempt);
                }
            }
            if (success != null) {
                core.listener.callEnd(info, success);
                sink.success(success);
            } else if (failure != null) {
                fail(failure);
            }
        }

        /** Decides what follows a failed attempt; returns the call's error when it ends here. Holds the lock. */
        private FunctionCallException afterFailure(Region region, Attempt attempt) {
            if (!inFlight.isEmpty()) {
                return null; // a hedge or the primary is still running: let it finish
            }
            AttemptOutcome o = attempt.outcome();
            if (!o.isRetryable() || lastTooLarge) {
                done = true;
                return error("failed", false);
            }
            // A 429 from the Functions host (X-FUNCTION-SCALEOUT) was refused before the function ran: safe to replay.
            boolean replayable = request.isIdempotent() || !o.mayHaveReachedServer() || lastHostThrottled;
            if (!replayable) {
                done = true;
                return error("failed and is not replayed in another region: the request is not idempotent and may"
                    + " have reached the server (mark it idempotent(true) if sending it twice is harmless)", false);
            }
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                done = true;
                return error("ran out of its deadline", false);
            }
            if (started >= core.failover.maxAttempts()) {
                done = true;
                return error("used all " + core.failover.maxAttempts() + " attempts (maxAttempts)", false);
            }
            if (next < plan.regions().size()) {
                // The budget protects servers from retry storms. An attempt that never reached a server (refused,
                // DNS, TLS handshake) put no load on one, so moving on after it is not charged; maxAttempts and the
                // deadline still bound it.
                boolean charged = o.mayHaveReachedServer();
                if (charged && !core.budget.tryWithdraw(System.nanoTime())) {
                    done = true;
                    return error("was not retried: the retry budget is spent (retries are capped at "
                        + Math.round(core.failover.retryBudgetRatio() * 100) + " % of calls plus "
                        + core.failover.retryBudgetFloor() + " a second)", false);
                }
                Region to = plan.regions().get(next);
                core.listener.failover(info, region, to, attempt);
                LOGGER.atVerbose().addKeyValue("call", info.traceparent()).addKeyValue("from", region.name())
                    .addKeyValue("to", to.name()).addKeyValue("cause", attempt.outcome()).log("failover");
                if (launchNext(false)) {
                    return null;
                }
            }
            return exhaustedLocked();
        }

        /** The plan is used up: wait for a throttled region when allowed, else fail. Holds the lock. */
        private FunctionCallException exhaustedLocked() {
            RoutePlan fresh = core.router.plan(request);
            Instant retryAt = fresh.retryAt() != null ? fresh.retryAt() : plan.retryAt();
            if (retryAt != null && core.failover.waitWhenThrottled() && started < core.failover.maxAttempts()) {
                long wait = Math.max(0, Duration.between(core.clock.instant(), retryAt).toNanos());
                if (System.nanoTime() + wait < deadlineNanos) {
                    cancelTimer();
                    timer = core.timers.newTimeout(t -> onThrottleWaitOver(), wait, TimeUnit.NANOSECONDS);
                    return null;
                }
                skipped().putIfAbsent("(throttled)", "every region left asked to back off until " + retryAt
                    + ", after the call's deadline");
            }
            done = true;
            skipped().putAll(fresh.unavailable());
            return error(attempts.isEmpty() ? "found no region to call" : "failed in every region it could try", true);
        }

        private void exhausted() {
            FunctionCallException e = exhaustedLocked();
            if (e != null) {
                fail(e);
            }
        }

        private void onThrottleWaitOver() {
            FunctionCallException failure = null;
            synchronized (this) {
                if (done) {
                    return;
                }
                plan = core.router.plan(request);
                next = 0;
                if (!launchNext(false)) {
                    failure = exhaustedLocked();
                }
            }
            if (failure != null) {
                fail(failure);
            }
        }

        private void onHedgeTimer() {
            synchronized (this) {
                if (done || hedged || inFlight.isEmpty() || next >= plan.regions().size()
                    || started >= core.failover.maxAttempts()) {
                    return;
                }
                if (!core.budget.tryWithdraw(System.nanoTime())) {
                    return;
                }
                hedged = true;
                Region primary = inFlight.values().iterator().next().region;
                Region to = plan.regions().get(next);
                core.listener.hedge(info, primary, to);
                launchNext(true);
            }
        }

        private FunctionCallException error(String what, boolean noRegion) {
            String msg = "Call " + request.method() + ' ' + request.route() + ' ' + what
                + (attempts.isEmpty() ? "" : "; attempts:" + FunctionCallException.describe(attempts))
                + (skipped.isEmpty() ? "" : "\n  not tried: " + skipped);
            Attempt last = lastFailure;
            String region = lastFailureRegion == null ? null : lastFailureRegion.name();
            int status = last == null ? 0 : last.statusCode();
            if (noRegion) {
                return new NoRegionAvailableException(msg, region, status, attempts, skipped, null);
            }
            return new FunctionCallException(msg, status > 0 ? lastResponse : null, region, status, attempts,
                status > 0 ? lastBody : null, null);
        }

        private void fail(FunctionCallException e) {
            LOGGER.atWarning().addKeyValue("traceparent", info.traceparent()).log(e.getMessage());
            core.listener.callFailed(info, e);
            sink.error(e);
        }

        private void cancelOthers() {
            for (InFlight other : new ArrayList<>(inFlight.values())) {
                inFlight.remove(other.number);
                if (other.timer != null) {
                    other.timer.cancel();
                }
                if (other.disposable != null) {
                    other.disposable.dispose();
                }
                Attempt a = new Attempt(other.region.name(), other.number, AttemptOutcome.CANCELLED, 0,
                    Duration.ofNanos(System.nanoTime() - other.startNanos), null, "a parallel attempt won", other.hedge);
                core.router.onAttemptEnd(other.region, a);
                record(a);
                core.listener.attemptEnd(info, other.region, a);
            }
        }

        /** Keeps {@link #attempts} in the order the attempts started, whatever order they end in. Holds the lock. */
        private void record(Attempt a) {
            int i = attempts.size();
            while (i > 0 && attempts.get(i - 1).number() > a.number()) {
                i--;
            }
            attempts.add(i, a);
        }

        private void cancelTimer() {
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
        }

        void cancel() {
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
                cancelTimer();
                cancelOthers();
            }
            // The caller cancelled (or a blocking caller was interrupted): listeners still see the call end.
            core.listener.callFailed(info, new FunctionCallException("Call " + request.method() + ' ' + request.route()
                + " was cancelled by the caller" + (attempts.isEmpty() ? "" : "; attempts:"
                + FunctionCallException.describe(attempts)), null, null, 0, attempts, null));
        }
    }

    private static String firstNonNull(String a, String b) {
        return a != null ? a : b;
    }

    private static final class InFlight {
        final Region region;
        final int number;
        final boolean hedge;
        final long startNanos;
        volatile Disposable disposable;
        volatile Timeout timer;
        volatile boolean headersArrived;
        volatile boolean bodyTimerArmed;

        InFlight(Region region, int number, boolean hedge, long startNanos) {
            this.region = region;
            this.number = number;
            this.hedge = hedge;
            this.startNanos = startNanos;
        }
    }

    private static final class Result {
        final HttpResponse response;
        final byte[] body;

        Result(HttpResponse response, byte[] body) {
            this.response = response;
            this.body = body;
        }
    }

}
