package io.branchline.core;

import com.azure.core.http.HttpResponse;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One attempt in flight: it subscribes to the transport's response, then to its body, and reports how it
 * ended to its call once; it is also its own timer task. Cancelling it cancels what it subscribed to and
 * closes the response (and so the connection when the body was not read). Its fields are written by the
 * transport's thread and read by the timer's and the call's: volatile, with the response closed once.
 */
final class InFlight implements CoreSubscriber<HttpResponse>, TimerTask {
    private static final AtomicIntegerFieldUpdater<InFlight> CLOSED_ONCE =
        AtomicIntegerFieldUpdater.newUpdater(InFlight.class, "closed");
    /** The body of a response without one; never handed out (FunctionResponse copies its body on read). */
    private static final byte[] NO_BODY = new byte[0];

    private final CallExecutor.Call call;
    final Region region;
    final int number;
    final boolean hedge;
    final long startNanos;
    long headersTimeoutNanos;
    volatile Timeout timer;
    /**
     * With the system clock, the attempt's one timer first serves as its call's hedge timer: it fires at the hedge
     * delay, then re-arms for the rest of the headers timeout. Saves a second timer on every hedgeable call.
     */
    volatile boolean hedgeFirst;
    /** Set once the attempt's outcome reaches its call: a timer that fires or is re-armed after it does nothing. */
    volatile boolean ended;
    volatile boolean headersArrived;
    volatile boolean bodyTimerArmed;
    private volatile boolean cancelled;
    private volatile Subscription upstream;
    private volatile Subscription bodyUpstream;
    volatile HttpResponse response;
    /** The answer's body once read; published to the call by its lock. */
    byte[] body;
    private volatile int closed;

    InFlight(CallExecutor.Call call, Region region, int number, boolean hedge, long startNanos) {
        this.call = call;
        this.region = region;
        this.number = number;
        this.hedge = hedge;
        this.startNanos = startNanos;
    }

    @Override
    public void onSubscribe(Subscription s) {
        upstream = s;
        if (cancelled) {
            s.cancel();
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(HttpResponse r) {
        response = r;
        // Headers arrived: when the timer fires now, it re-arms for the rest of the deadline instead.
        headersArrived = true;
        if (cancelled) {
            closeResponse();
            return;
        }
        Mono<byte[]> reading;
        try {
            reading = AttemptWire.body(r, call.maxResponseBytes());
        } catch (RuntimeException e) {
            closeResponse();
            call.onResult(this, e);
            return;
        }
        reading.subscribe(new BodyReader(this));
    }

    @Override
    public void onError(Throwable t) {
        call.onResult(this, t);
    }

    @Override
    public void onComplete() {
        if (response == null && !cancelled) {
            call.onResult(this, new IllegalStateException("the transport ended without a response"));
        }
    }

    @Override
    public void run(Timeout t) {
        if (!ended) {
            call.onAttemptTimeout(this);
        }
    }

    void bodySubscribed(Subscription s) {
        bodyUpstream = s;
        if (cancelled) {
            s.cancel();
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    void bodyRead(byte[] bytes) {
        closeResponse();
        body = bytes == null ? NO_BODY : bytes;
        call.onResult(this, null);
    }

    void bodyFailed(Throwable t) {
        closeResponse();
        call.onResult(this, t);
    }

    /** Stops the attempt: cancels the transport's request and closes the response. Any thread. */
    void cancel() {
        cancelled = true;
        Subscription s = upstream;
        if (s != null) {
            s.cancel();
        }
        Subscription b = bodyUpstream;
        if (b != null) {
            b.cancel();
        }
        closeResponse();
    }

    private void closeResponse() {
        HttpResponse r = response;
        if (r != null && CLOSED_ONCE.compareAndSet(this, 0, 1)) {
            r.close();
        }
    }

    /** Reads one response's body for its attempt; cancelled with the attempt (which closes the response). */
    static final class BodyReader implements CoreSubscriber<byte[]> {
        private final InFlight attempt;
        private byte[] bytes;

        BodyReader(InFlight attempt) {
            this.attempt = attempt;
        }

        @Override
        public void onSubscribe(Subscription s) {
            attempt.bodySubscribed(s);
        }

        @Override
        public void onNext(byte[] b) {
            bytes = b;
        }

        @Override
        public void onError(Throwable t) {
            attempt.bodyFailed(t);
        }

        @Override
        public void onComplete() {
            attempt.bodyRead(bytes);
        }
    }
}
