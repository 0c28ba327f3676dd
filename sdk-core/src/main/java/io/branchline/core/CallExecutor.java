package io.branchline.core;

import com.azure.core.http.HttpHeaderName;
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
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs calls: takes the router's plan, sends attempts through the pipeline, hedges idempotent calls, fails over on
 * retryable failures within the deadline, the attempt limit and the retry budget, and reports every event.
 */
final class CallExecutor {
    private static final ClientLogger LOGGER = new ClientLogger(CallExecutor.class);
    private static final HttpHeaderName RETRY_AFTER = HttpHeaderName.RETRY_AFTER;
    private static final HttpHeaderName RETRY_AFTER_MS = HttpHeaderName.fromString("retry-after-ms");
    private static final HttpHeaderName SCALEOUT = HttpHeaderName.fromString("X-FUNCTION-SCALEOUT");
    private static final HttpHeaderName X_MS_RETRY_AFTER_MS = HttpHeaderName.fromString("x-ms-retry-after-ms");


    private final ClientCore core;

    CallExecutor(ClientCore core) {
        this.core = core;
    }

    Mono<FunctionResponse> execute(FunctionRequest request, Context context) {
        return Mono.create(sink -> {
            if (core.isClosed()) {
                sink.error(new IllegalStateException(CLOSED_CLIENT));
                return;
            }
            Call call = new Call(request, context == null ? Context.NONE : context, sink, null);
            if (!register(call)) {
                sink.error(new IllegalStateException(CLOSED_CLIENT));
                return;
            }
            sink.onCancel(call::cancel);
            call.start();
        });
    }

    /**
     * Runs a call on the caller's thread and waits for its end: the blocking client's own path, without the
     * reactive bridge (no {@code Mono.create}, sink or blocking subscriber per call). The call ends by its deadline
     * inside; {@code marginNanos} past the deadline only bounds the wait should that ever fail.
     */
    FunctionResponse executeBlocking(FunctionRequest request, Context context, long marginNanos) {
        if (reactor.core.scheduler.Schedulers.isInNonBlockingThread()) {
            throw new IllegalStateException("FunctionClient.invoke blocks, which is not allowed on the non-blocking"
                + " thread " + Thread.currentThread().getName() + ": call FunctionAsyncClient.invoke there");
        }
        if (core.isClosed()) {
            throw new IllegalStateException(CLOSED_CLIENT);
        }
        Call call = new Call(request, context == null ? Context.NONE : context, null, Thread.currentThread());
        if (!register(call)) {
            throw new IllegalStateException(CLOSED_CLIENT);
        }
        call.start();
        return call.await(marginNanos);
    }

    private boolean register(Call call) {
        core.calls.add(call);
        if (core.isClosed()) {
            // closed while this call registered: close() may have missed it
            core.calls.remove(call);
            return false;
        }
        return true;
    }

    /**
     * The state of one call. Guarded by {@code this}; listener events are fast by contract. It ends through its
     * {@code sink} (the reactive client) or by handing its outcome to the {@code waiter} thread (the blocking client).
     */
    final class Call {
        private final FunctionRequest request;
        private final Context context;
        private final MonoSink<FunctionResponse> sink;
        private final Thread waiter;
        /** The blocking caller's outcome: a FunctionResponse or the RuntimeException to throw; null until the end. */
        private volatile Object outcome;
        private final CallInfo info;
        private final long deadlineNanos;
        /** The client clock's nanoTime when the call started: its deadline counts from here. */
        private final long startNanos;
        private final boolean hedgeAllowed;
        /** Stale-if-error for this request, or null (the normal case: nothing else is done for it). */
        private final StaleIfError stale;
        /** The attempts that ended, in the order they started: immutable {@code List.of(a)} until a second one. */
        private List<Attempt> attempts = List.of();
        /** Attempts in flight, oldest first: at most two at once (one hedge per call), so two fields. */
        private InFlight flightA;
        private InFlight flightB;
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

        Call(FunctionRequest request, Context context, MonoSink<FunctionResponse> sink, Thread waiter) {
            this.request = request;
            this.context = context;
            this.sink = sink;
            this.waiter = waiter;
            this.info = new CallInfo(request, TraceContext.newSpan(request.traceparent()), core.clock.millis(),
                System.nanoTime());
            Duration d = request.deadline() != null ? request.deadline() : core.timeouts.call();
            this.startNanos = core.time.nanoTime();
            this.deadlineNanos = startNanos + d.toNanos();
            Boolean h = request.hedge();
            boolean read = request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD;
            this.hedgeAllowed = request.isIdempotent() && (h != null ? h : core.failover.hedgeReads() && read);
            this.stale = core.stale(request);
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
            InFlight f = new InFlight(this, region, number, hedge, System.nanoTime());
            if (flightA == null) {
                flightA = f;
            } else {
                flightB = f; // a hedge: the only way two attempts of one call are in flight at once
            }
            HttpRequest http;
            try {
                http = AttemptWire.request(request, region, core.keyFor(region), info.traceparent());
            } catch (RuntimeException e) {
                // a key file, a header or anything else that makes the request: nothing was sent
                onResult(f, new AttemptNotSentException("the request could not be prepared: "
                    + Outcomes.describe(e), e));
                return;
            }
            // One timer per attempt on the shared timer wheel (constant-time, lock-free; Reactor's timeout operator
            // costs far more per call): first for the headers, then, once they arrived, for the rest of the deadline.
            // A hedge is due after a delay measured in real time; with the system clock that is the attempt's own
            // time base, so the attempt's timer fires first at the hedge delay and then re-arms for the headers.
            f.headersTimeoutNanos = headersTimeout;
            long hedgeDelay = -1;
            if (!hedge && !hedged && hedgeAllowed && plan.hedgeDelay() != null
                && next < plan.regions().size() && started < maxAttempts) {
                long delay = plan.hedgeDelay().toNanos();
                if (delay < remaining) {
                    hedgeDelay = delay;
                    cancelTimer();
                }
            }
            boolean hedgeFirst = hedgeDelay >= 0 && hedgeDelay < headersTimeout && core.time.system();
            f.hedgeFirst = hedgeFirst;
            try {
                f.timer = core.time.schedule(f, hedgeFirst ? hedgeDelay : headersTimeout);
            } catch (IllegalStateException e) {
                onResult(f, new AttemptNotSentException(CLOSED, null));
                return;
            }
            try {
                core.send(http, context).subscribe(f);
            } catch (RuntimeException e) {
                onResult(f, e);
                return;
            }
            if (hedgeDelay >= 0 && !hedgeFirst && !done) {
                try {
                    timer = core.time.scheduleReal(t -> onHedgeTimer(), hedgeDelay);
                } catch (IllegalStateException closed) {
                    // the client closed: close() ends this call
                }
            }
        }

        /** The most bytes a response body may have (the client's setting). */
        long maxResponseBytes() {
            return core.maxResponseBytes;
        }

        void onAttemptTimeout(InFlight f) {
            if (f.hedgeFirst) {
                f.hedgeFirst = false;
                onHedgeTimer();
                // the headers timeout counts from the attempt's start (the system clock's, as the hedge's)
                long left = f.startNanos + f.headersTimeoutNanos - System.nanoTime();
                if (left > 0 && rearm(f, left)) {
                    return;
                }
            }
            if (f.headersArrived && !f.bodyTimerArmed) {
                long left = deadlineNanos - core.time.nanoTime();
                if (left > 0) {
                    f.bodyTimerArmed = true;
                    if (rearm(f, left)) {
                        return;
                    }
                }
            }
            f.cancel();
            onResult(f, new TimeoutException(f.headersArrived
                ? "The response body stalled: it did not finish within the call's deadline"
                : "No response headers within " + TimeUnit.NANOSECONDS.toMillis(f.headersTimeoutNanos) + " ms"));
        }

        /**
         * Arms the attempt's timer again from the timer's thread; false when the client closed. An attempt that
         * ended meanwhile cancels what it reads of {@code f.timer}, and this cancels what it set once it sees the
         * end: whichever comes second sees the other, so no timer outlives its attempt.
         */
        private boolean rearm(InFlight f, long nanos) {
            Timeout t;
            try {
                t = core.time.schedule(f, nanos);
            } catch (IllegalStateException closed) {
                return false; // the client closed: end the attempt now
            }
            f.timer = t;
            if (f.ended) {
                t.cancel();
            }
            return true;
        }

        /**
         * An attempt ended: with {@code error}, or, when it is null, with the answer its {@link InFlight} holds.
         */
        void onResult(InFlight f, Throwable error) {
            try {
                onResult0(f, error);
            } catch (RuntimeException | LinkageError e) {
                // whatever breaks here must not leave the call hanging
                abort(e);
            }
        }

        private void onResult0(InFlight f, Throwable error) {
            f.ended = true;
            Timeout t = f.timer;
            if (t != null) {
                t.cancel();
            }
            long latencyNanos = System.nanoTime() - f.startNanos;
            Duration latency = Duration.ofNanos(latencyNanos);
            Attempt attempt;
            if (error != null) {
                Throwable cause = reactor.core.Exceptions.unwrap(error);
                AttemptOutcome o = Outcomes.ofError(cause);
                attempt = new Attempt(f.region.name(), f.number, o, 0, latency, null, Outcomes.describe(cause), f.hedge);
            } else {
                int status = f.response.getStatusCode();
                AttemptOutcome o = Outcomes.ofStatus(status);
                Duration retryAfter = o == AttemptOutcome.SUCCESS ? null : Outcomes.retryAfter(
                    f.response.getHeaderValue(RETRY_AFTER),
                    firstNonNull(f.response.getHeaderValue(RETRY_AFTER_MS),
                        f.response.getHeaderValue(X_MS_RETRY_AFTER_MS)), core.clock);
                String err = o == AttemptOutcome.SUCCESS ? null : "HTTP " + status;
                // Only a slow answer may be worth discounting: a fast one skips the header lookup.
                boolean cold = latencyNanos > core.hedgeFloorNanos
                    && Attempt.isColdMark(f.response.getHeaderValue(ClientCore.COLD_START));
                attempt = new Attempt(f.region.name(), f.number, o, status, latency, retryAfter, err, f.hedge, cold);
            }
            if (attempt.outcome() != AttemptOutcome.SUCCESS) {
                core.failureLog.record(f.region, attempt);
            }
            FunctionResponse success = null;
            FunctionCallException failure = null;
            synchronized (this) {
                if (!landed(f)) {
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
                    success = new FunctionResponse(f.response.getStatusCode(), f.response.getHeaders(),
                        f.body, f.region, attempts, System.nanoTime() - info.startNanos(), plan);
                } else {
                    lastFailure = attempt;
                    lastFailureRegion = f.region;
                    if (error == null) {
                        lastResponse = f.response;
                        lastBody = f.body;
                    }
                    lastHostThrottled = error == null && attempt.outcome() == AttemptOutcome.THROTTLED
                        && f.response.getHeaderValue(SCALEOUT) != null;
                    // every region serves the same function: a response over the limit would be as large elsewhere
                    lastTooLarge = error != null
                        && reactor.core.Exceptions.unwrap(error) instanceof ResponseTooLargeException;
                    failure = afterFailure(f.region, attempt);
                }
            }
            if (success != null) {
                if (stale != null) {
                    keep(success);
                }
                core.calls.remove(this);
                core.listener.callEnd(info, success);
                deliver(success);
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
                        null, attempt.error(), attempt.hedged(), false));
            } catch (RuntimeException e) {
                LOGGER.atVerbose().addKeyValue("region", region.name()).log("The router failed to take an attempt's"
                    + " outcome: " + Outcomes.describe(e));
            }
            record(attempt);
            core.listener.attemptEnd(info, region, attempt);
        }

        /** Decides what follows a failed attempt; returns the call's error when it ends here. Holds the lock. */
        private FunctionCallException afterFailure(Region region, Attempt attempt) {
            if (flightA != null) {
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
                if (done || hedged || flightA == null || next >= plan.regions().size()
                    || started >= maxAttempts) {
                    return;
                }
                if (!core.budget.tryWithdrawForHedge(core.time.nanoTime())) {
                    return;
                }
                hedged = true;
                Region primary = flightA.region;
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
                return new NoRegionAvailableException(msg, region, 0, attempts, why, null).plan(plan);
            }
            String msg = "Call " + route + ' ' + what + "; attempts:" + FunctionCallException.describe(attempts)
                + (skipped.isEmpty() ? "" : "\n  not tried:" + describe(skipped));
            HttpResponse last = lastResponse;
            int status = last == null ? 0 : last.getStatusCode();
            return new FunctionCallException(msg, last == null ? null : RecordedResponse.redactedCopy(last, lastBody),
                region, status, attempts, last == null ? null : lastBody, null).plan(plan);
        }

        /** Hands the call's end to its caller: the reactive sink, or the blocked thread. */
        private void deliver(Object end) {
            if (sink != null) {
                if (end instanceof FunctionResponse) {
                    sink.success((FunctionResponse) end);
                } else {
                    sink.error((Throwable) end);
                }
                return;
            }
            outcome = end;
            LockSupport.unpark(waiter);
        }

        /**
         * The blocking caller waits here for the call's end. Interrupted, it cancels the call (listeners see it end,
         * its connections close) and throws with the thread's interrupt status kept. Should the call not end
         * within {@code maxWaitNanos} (it ends by its deadline inside; this is the last line of defence), it is
         * cancelled too.
         */
        FunctionResponse await(long marginNanos) {
            // real time: the wait bounds a thread, whatever clock the client runs on
            long maxWaitNanos = deadlineNanos - startNanos + marginNanos;
            long end = System.nanoTime() + maxWaitNanos;
            Object o;
            while ((o = outcome) == null) {
                if (Thread.interrupted()) {
                    cancel();
                    Thread.currentThread().interrupt();
                    throw new FunctionCallException("Call " + request.method() + ' ' + request.route() + " was"
                        + " cancelled: the calling thread was interrupted", null, null, 0, attempts, null);
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    cancel();
                    throw new FunctionCallException("Call " + request.method() + ' ' + request.route() + " did not"
                        + " end within its deadline of " + TimeUnit.NANOSECONDS.toMillis(deadlineNanos - startNanos)
                        + " ms plus " + TimeUnit.NANOSECONDS.toMillis(maxWaitNanos - (deadlineNanos - startNanos))
                        + " ms and was cancelled", null, null, 0, attempts, null);
                }
                LockSupport.parkNanos(this, left);
            }
            if (o instanceof FunctionResponse) {
                return (FunctionResponse) o;
            }
            throw (RuntimeException) o;
        }

        private void fail(FunctionCallException e) {
            if (stale != null && !core.isClosed() && serveStale(e)) {
                return;
            }
            core.calls.remove(this);
            // thrown to the caller, who decides what to log; operators get the per-region summary at WARN
            LOGGER.atVerbose().addKeyValue("traceparent", info.traceparent()).log(e.getMessage());
            core.listener.callFailed(info, e);
            deliver(e);
        }

        private void keep(FunctionResponse success) {
            try {
                stale.store(request, success);
            } catch (RuntimeException e) {
                LOGGER.atVerbose().log("stale-if-error: the answer was not kept: " + Outcomes.describe(e));
            }
        }

        /** Every region failed: answers from the stale-if-error cache when it may; the failure stays visible. */
        private boolean serveStale(FunctionCallException e) {
            FunctionResponse s;
            try {
                s = stale.serve(request, e, plan, System.nanoTime() - info.startNanos(), core.regions);
            } catch (RuntimeException ex) {
                LOGGER.atVerbose().log("stale-if-error: no stale answer: " + Outcomes.describe(ex));
                return false;
            }
            if (s == null) {
                return false;
            }
            core.calls.remove(this);
            LOGGER.atVerbose().addKeyValue("traceparent", info.traceparent()).addKeyValue("age", s.age().toSeconds())
                .log("answered stale: " + e.getMessage());
            core.listener.staleServed(info, s, e);
            core.listener.callEnd(info, s);
            deliver(s);
            return true;
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
            InFlight other;
            while ((other = flightA) != null) {
                landed(other);
                if (other.timer != null) {
                    other.timer.cancel();
                }
                other.cancel();
                Attempt a = new Attempt(other.region.name(), other.number, AttemptOutcome.CANCELLED, 0,
                    Duration.ofNanos(System.nanoTime() - other.startNanos), null, why, other.hedge);
                attemptEnded(other.region, a);
            }
        }

        /** Takes an attempt off the in-flight pair; false when it had ended already. Holds the lock. */
        private boolean landed(InFlight f) {
            if (flightA == f) {
                flightA = flightB;
                flightB = null;
                return true;
            }
            if (flightB == f) {
                flightB = null;
                return true;
            }
            return false;
        }

        /** Keeps {@link #attempts} in the order the attempts started, whatever order they end in. Holds the lock. */
        private void record(Attempt a) {
            if (attempts.isEmpty()) {
                attempts = List.of(a);
                return;
            }
            if (!(attempts instanceof ArrayList)) {
                attempts = new ArrayList<>(attempts);
            }
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
    static final String CLOSED_CLIENT = "The client is closed: build a new client to make calls";

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


}
