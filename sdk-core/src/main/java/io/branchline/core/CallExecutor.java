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
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionStatus;
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
                sink.error(new IllegalStateException("The client is closed: build a new client to make calls"));
                return;
            }
            Call call = new Call(request, context == null ? Context.NONE : context, sink);
            core.calls.add(call);
            if (core.isClosed()) {
                // closed while this call registered: close() may have missed it
                core.calls.remove(call);
                sink.error(new IllegalStateException("The client is closed: build a new client to make calls"));
                return;
            }
            sink.onCancel(call::cancel);
            call.start();
        });
    }

    /** The state of one call. Guarded by {@code this}; listener events are fast by contract. */
    final class Call {
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
        /** The plan's attempt limit when the router sets one (run-time control), else the client's. */
        private int maxAttempts;
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
            this.info = new CallInfo(request, TraceContext.newSpan(request.traceparent()), core.clock.instant(),
                System.nanoTime());
            Duration d = request.deadline() != null ? request.deadline() : core.timeouts.call();
            this.deadlineNanos = core.time.nanoTime() + d.toNanos();
            Boolean h = request.hedge();
            boolean read = request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD;
            this.hedgeAllowed = request.isIdempotent() && (h != null ? h : core.failover.hedgeReads() && read);
        }

        void start() {
            core.budget.onCall();
            core.listener.callStart(info);
            FunctionCallException failure = null;
            synchronized (this) {
                try {
                    plan = core.router.plan(request);
                } catch (RuntimeException e) {
                    plan = RoutePlan.of(List.of());
                    skipped().put("(router)", "the router failed to plan the call: " + Outcomes.describe(e));
                }
                if (!plan.unavailable().isEmpty()) {
                    skipped().putAll(plan.unavailable());
                }
                maxAttempts = plan.maxAttempts() > 0 ? plan.maxAttempts() : core.failover.maxAttempts();
                if (!launchNext(false)) {
                    failure = exhaustedLocked();
                }
            }
            if (failure != null) {
                fail(failure);
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
                boolean acquired;
                try {
                    acquired = core.router.tryAcquire(region);
                } catch (RuntimeException e) {
                    skipped().put(region.name(), "the router failed: " + Outcomes.describe(e));
                    continue;
                }
                if (!acquired) {
                    skipped().put(region.name(), refusal(region));
                    continue;
                }
                send(region, hedge);
                return true;
            }
            return false;
        }

        /** Why the router refused an attempt to a region, in the words an operator would look for. */
        private String refusal(Region region) {
            try {
                for (RegionStatus st : core.router.status()) {
                    if (st.region().equals(region.name())) {
                        if (st.breaker() == BreakerState.HALF_OPEN) {
                            return "circuit breaker half-open: its trial calls are already in flight";
                        }
                        if (st.breaker() == BreakerState.OPEN) {
                            return "circuit breaker open";
                        }
                        break;
                    }
                }
            } catch (RuntimeException ignored) {
                // the plain reason below still holds
            }
            return "concurrency limit reached";
        }

        private void send(Region region, boolean hedge) {
            int number = ++started;
            long remaining = deadlineNanos - core.time.nanoTime();
            // Until the headers arrive: connect plus response time, so that a connect that hangs ends as the
            // transport's CONNECT_FAILED (safe to replay) rather than as this timer's TIMEOUT; the body is bounded
            // by the transport's read timeout; the whole attempt by the call's deadline.
            long headersNanos = core.timeouts.connect().toNanos() + core.timeouts.response().toNanos();
            long headersTimeout = Math.max(1, Math.min(headersNanos, remaining));
            core.listener.attemptStart(info, region, number, hedge);
            InFlight f = new InFlight(region, number, hedge, System.nanoTime());
            inFlight.put(number, f);
            HttpRequest http;
            try {
                http = httpRequest(region);
            } catch (RuntimeException e) {
                // a key file, a header or anything else that makes the request: nothing was sent
                onResult(f, null, new AttemptNotSentException("the request could not be prepared: "
                    + Outcomes.describe(e), e));
                return;
            }
            // One timer per attempt on the shared timer wheel (constant-time, lock-free; Reactor's timeout operator
            // costs far more per call): first for the headers, then, once they arrived, for the rest of the deadline.
            try {
                f.timer = core.time.schedule(t -> onAttemptTimeout(f, headersTimeout), headersTimeout);
            } catch (IllegalStateException e) {
                onResult(f, null, new AttemptNotSentException(CLOSED, null));
                return;
            }
            try {
                f.disposable = core.send(http, context)
                    .flatMap(response -> {
                        // Headers arrived: when the timer fires now, it re-arms for the rest of the deadline instead.
                        f.headersArrived = true;
                        return readBody(response);
                    })
                    .subscribe(r -> onResult(f, r, null), e -> onResult(f, null, e));
            } catch (RuntimeException e) {
                onResult(f, null, e);
                return;
            }
            if (!done && !hedge && !hedged && hedgeAllowed && plan.hedgeDelay() != null
                && next < plan.regions().size() && started < maxAttempts) {
                long delay = plan.hedgeDelay().toNanos();
                if (delay < remaining) {
                    cancelTimer();
                    try {
                        timer = core.time.scheduleReal(t -> onHedgeTimer(), delay);
                    } catch (IllegalStateException closed) {
                        // the client closed: close() ends this call
                    }
                }
            }
        }

        private HttpRequest httpRequest(Region region) {
            StringBuilder url = new StringBuilder(region.baseUrl()).append(request.path());
            String code = null;
            if (!request.query().isEmpty()) {
                char sep = '?';
                for (Map.Entry<String, String> q : request.query().entrySet()) {
                    if (q.getKey().equals("code")) {
                        // a function key given as ?code= goes in the header the Functions host also accepts, so no
                        // URL holding a key reaches the transport (or its logs)
                        code = q.getValue();
                        continue;
                    }
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
            // the configured key wins, as x-functions-key wins over ?code= at the Functions host
            String key = core.keyFor(region);
            if (key == null) {
                key = code;
            }
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

        private void onAttemptTimeout(InFlight f, long headersTimeout) {
            if (f.headersArrived && !f.bodyTimerArmed) {
                long left = deadlineNanos - core.time.nanoTime();
                if (left > 0) {
                    f.bodyTimerArmed = true;
                    try {
                        f.timer = core.time.schedule(t -> onAttemptTimeout(f, headersTimeout), left);
                        return;
                    } catch (IllegalStateException closed) {
                        // the client closed: end the attempt now
                    }
                }
            }
            Disposable d = f.disposable;
            if (d != null) {
                d.dispose();
            }
            onResult(f, null, new TimeoutException(f.headersArrived
                ? "The response body stalled: it did not finish within the call's deadline"
                : "No response headers within " + TimeUnit.NANOSECONDS.toMillis(headersTimeout) + " ms"));
        }

        private void onResult(InFlight f, Result result, Throwable error) {
            try {
                onResult0(f, result, error);
            } catch (RuntimeException | LinkageError e) {
                // whatever breaks here must not leave the call hanging
                abort(e);
            }
        }

        private void onResult0(InFlight f, Result result, Throwable error) {
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
            if (attempt.outcome() != AttemptOutcome.SUCCESS) {
                core.failureLog.record(f.region, attempt);
            }
            FunctionResponse success = null;
            FunctionCallException failure = null;
            synchronized (this) {
                if (inFlight.remove(f.number) == null) {
                    return; // already ended as cancelled
                }
                attemptEnded(f.region, attempt);
                if (done) {
                    return;
                }
                if (attempt.outcome() == AttemptOutcome.SUCCESS) {
                    done = true;
                    cancelTimer();
                    cancelOthers("a parallel attempt won");
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
                core.calls.remove(this);
                core.listener.callEnd(info, success);
                sink.success(success);
            } else if (failure != null) {
                fail(failure);
            }
        }

        /** Tells the router and the listeners how an attempt ended. Holds the lock. */
        private void attemptEnded(Region region, Attempt attempt) {
            try {
                // nothing was learned about the region from an attempt that never left: the router hears REJECTED
                core.router.onAttemptEnd(region, attempt.outcome() != AttemptOutcome.NOT_SENT ? attempt
                    : new Attempt(attempt.region(), attempt.number(), AttemptOutcome.REJECTED, 0, attempt.latency(),
                        null, attempt.error(), attempt.hedged()));
            } catch (RuntimeException e) {
                LOGGER.atVerbose().addKeyValue("region", region.name()).log("The router failed to take an attempt's"
                    + " outcome: " + Outcomes.describe(e));
            }
            record(attempt);
            core.listener.attemptEnd(info, region, attempt);
        }

        /** Decides what follows a failed attempt; returns the call's error when it ends here. Holds the lock. */
        private FunctionCallException afterFailure(Region region, Attempt attempt) {
            if (!inFlight.isEmpty()) {
                return null; // a hedge or the primary is still running: let it finish
            }
            AttemptOutcome o = attempt.outcome();
            if (!o.isRetryable() || lastTooLarge) {
                done = true;
                return error("failed");
            }
            // A 429 from the Functions host (X-FUNCTION-SCALEOUT) was refused before the function ran: safe to replay.
            boolean replayable = request.isIdempotent() || !o.mayHaveReachedServer() || lastHostThrottled;
            if (!replayable) {
                done = true;
                return error("failed and is not replayed in another region: the request is not idempotent and may"
                    + " have reached the server (mark it idempotent(true) if sending it twice is harmless)");
            }
            long now = core.time.nanoTime();
            if (deadlineNanos - now <= 0) {
                done = true;
                return error("ran out of its deadline");
            }
            if (started >= maxAttempts) {
                done = true;
                return error("used all " + maxAttempts + " attempts (maxAttempts)");
            }
            if (next < plan.regions().size()) {
                // The budget protects servers from retry storms. An attempt that never reached a server (refused,
                // DNS, TLS handshake) put no load on one, so moving on after it is not charged; maxAttempts and the
                // deadline still bound it.
                boolean charged = o.mayHaveReachedServer();
                if (charged && !core.budget.tryWithdraw(now)) {
                    done = true;
                    return error("was not retried: the retry budget is spent (retries are capped at "
                        + Math.round(core.failover.retryBudgetRatio() * 100) + " % of calls plus "
                        + core.failover.retryBudgetFloor() + " a second)");
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
            if (done) {
                return null;
            }
            RoutePlan fresh;
            try {
                fresh = core.router.plan(request);
            } catch (RuntimeException e) {
                fresh = RoutePlan.of(List.of());
            }
            Instant retryAt = fresh.retryAt() != null ? fresh.retryAt() : plan.retryAt();
            if (retryAt != null && core.failover.waitWhenThrottled() && started < maxAttempts) {
                long wait = Math.max(0, Duration.between(core.clock.instant(), retryAt).toNanos());
                if (core.time.nanoTime() + wait < deadlineNanos) {
                    cancelTimer();
                    try {
                        timer = core.time.schedule(t -> onThrottleWaitOver(), wait);
                        return null;
                    } catch (IllegalStateException closed) {
                        // the client closed: fail below
                    }
                }
                skipped().putIfAbsent("(throttled)", "every region left asked to back off until " + retryAt
                    + ", after the call's deadline");
            }
            done = true;
            skipped().putAll(fresh.unavailable());
            return error(attempts.isEmpty() ? "found no region to call" : "failed in every region it could try");
        }

        private void onThrottleWaitOver() {
            FunctionCallException failure = null;
            synchronized (this) {
                if (done) {
                    return;
                }
                try {
                    plan = core.router.plan(request);
                } catch (RuntimeException e) {
                    plan = RoutePlan.of(List.of());
                }
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
                    || started >= maxAttempts) {
                    return;
                }
                if (!core.budget.tryWithdraw(core.time.nanoTime())) {
                    return;
                }
                hedged = true;
                Region primary = inFlight.values().iterator().next().region;
                Region to = plan.regions().get(next);
                core.listener.hedge(info, primary, to);
                launchNext(true);
            }
        }

        /**
         * The call's error. {@link NoRegionAvailableException} when no attempt reached a region (every one refused,
         * unreachable, not prepared or left out), naming each region and why; otherwise
         * {@link FunctionCallException} with the last answer's status, headers and body. Holds the lock.
         */
        private FunctionCallException error(String what) {
            boolean reached = false;
            for (Attempt a : attempts) {
                if (a.outcome().mayHaveReachedServer()) {
                    reached = true;
                    break;
                }
            }
            String route = request.method() + " " + request.route();
            String region = lastFailureRegion == null ? null : lastFailureRegion.name();
            if (!reached) {
                Map<String, String> why = new LinkedHashMap<>();
                for (Attempt a : attempts) {
                    why.put(a.region(), a.outcome() + (a.error() == null ? "" : ": " + a.error()));
                }
                skipped.forEach(why::putIfAbsent);
                String msg = "Call " + route + " could not be sent to any region ("
                    + (attempts.isEmpty() ? "found no region to call" : "every region it tried was out of reach")
                    + "):" + (why.isEmpty() ? " the router gave no region" : describe(why));
                return new NoRegionAvailableException(msg, region, 0, attempts, why, null);
            }
            String msg = "Call " + route + ' ' + what + "; attempts:" + FunctionCallException.describe(attempts)
                + (skipped.isEmpty() ? "" : "\n  not tried:" + describe(skipped));
            HttpResponse last = lastResponse;
            int status = last == null ? 0 : last.getStatusCode();
            return new FunctionCallException(msg, last == null ? null : RecordedResponse.redactedCopy(last, lastBody),
                region, status, attempts, last == null ? null : lastBody, null);
        }

        private void fail(FunctionCallException e) {
            core.calls.remove(this);
            // thrown to the caller, who decides what to log; operators get the per-region summary at WARN
            LOGGER.atVerbose().addKeyValue("traceparent", info.traceparent()).log(e.getMessage());
            core.listener.callFailed(info, e);
            sink.error(e);
        }

        /** Something unexpected broke inside the call: end it with a clear error instead of leaving it hanging. */
        private void abort(Throwable cause) {
            FunctionCallException e;
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
                cancelTimer();
                cancelOthers("the call ended on a failure inside the client");
                e = new FunctionCallException("Call " + request.method() + ' ' + request.route() + " ended on an"
                    + " unexpected failure inside the client: " + Outcomes.describe(cause)
                    + (attempts.isEmpty() ? "" : "; attempts:" + FunctionCallException.describe(attempts)),
                    null, lastFailureRegion == null ? null : lastFailureRegion.name(), 0, attempts, null);
            }
            fail(e);
        }

        private void cancelOthers(String why) {
            for (InFlight other : new ArrayList<>(inFlight.values())) {
                inFlight.remove(other.number);
                if (other.timer != null) {
                    other.timer.cancel();
                }
                if (other.disposable != null) {
                    other.disposable.dispose();
                }
                Attempt a = new Attempt(other.region.name(), other.number, AttemptOutcome.CANCELLED, 0,
                    Duration.ofNanos(System.nanoTime() - other.startNanos), null, why, other.hedge);
                attemptEnded(other.region, a);
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
                cancelOthers("the caller cancelled the call");
            }
            core.calls.remove(this);
            // The caller cancelled (or a blocking caller was interrupted): listeners still see the call end.
            core.listener.callFailed(info, new FunctionCallException("Call " + request.method() + ' ' + request.route()
                + " was cancelled by the caller" + (attempts.isEmpty() ? "" : "; attempts:"
                + FunctionCallException.describe(attempts)), null, null, 0, attempts, null));
        }

        /** The client is closing: end the call at once, its attempts cancelled and their connections closed. */
        void closeNow() {
            FunctionCallException e;
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
                cancelTimer();
                cancelOthers("the client was closed");
                e = new FunctionCallException("Call " + request.method() + ' ' + request.route() + " was ended: "
                    + CLOSED + (attempts.isEmpty() ? "" : "; attempts:" + FunctionCallException.describe(attempts)),
                    null, lastFailureRegion == null ? null : lastFailureRegion.name(), 0, attempts, null);
            }
            fail(e);
        }
    }

    static final String CLOSED = "the client was closed while the call was in flight";

    private static String describe(Map<String, String> why) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : why.entrySet()) {
            sb.append("\n  ").append(e.getKey()).append(": ").append(e.getValue());
        }
        return sb.toString();
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
