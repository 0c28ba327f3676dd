package io.branchline.testkit;

import java.time.Duration;
import java.util.Objects;

/**
 * A fault a {@link SimulatedRegion} can be switched to at runtime with {@link SimulatedRegion#fault(Fault)}.
 *
 * <p>Faults are immutable values; a region has at most one active fault, and {@link SimulatedRegion#restore()}
 * clears it. How the health endpoint reacts is documented on each factory.
 */
public final class Fault {
    enum Kind { DOWN, BLACKHOLE, SERVER_ERROR, THROTTLE, COLD_START, COLD_INSTANCES }

    /** The header a function adds to answers from an instance still warming up: {@value}. */
    public static final String COLD_START_HEADER = "x-branchline-cold-start";

    private final Kind kind;
    private final int status;
    private final Duration duration;
    private final int calls;

    private Fault(Kind kind, int status, Duration duration, int calls) {
        this.kind = kind;
        this.status = status;
        this.duration = duration;
        this.calls = calls;
    }

    /**
     * The region is down: the listening socket is unbound and open connections are closed, so clients get
     * "connection refused". Restoring rebinds the same port. Health checks are refused too.
     *
     * @return the fault
     */
    public static Fault down() {
        return new Fault(Kind.DOWN, 0, null, 0);
    }

    /**
     * The region accepts connections and reads requests but never answers, health checks included.
     *
     * @return the fault
     */
    public static Fault blackhole() {
        return new Fault(Kind.BLACKHOLE, 0, null, 0);
    }

    /**
     * Every request, health checks included, is answered with the given status.
     *
     * @param status an HTTP status from 400 to 599, typically 500, 502 or 503
     * @return the fault
     * @throws IllegalArgumentException if the status is outside 400..599
     */
    public static Fault serverError(int status) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status must be in 400..599, was " + status);
        }
        return new Fault(Kind.SERVER_ERROR, status, null, 0);
    }

    /**
     * Function calls are answered {@code 429} with {@code X-FUNCTION-SCALEOUT: 1} and no {@code Retry-After}, the
     * way the Functions host throttles. Health checks still answer 200: the app is alive.
     *
     * @return the fault
     */
    public static Fault throttle() {
        return new Fault(Kind.THROTTLE, 429, null, 0);
    }

    /**
     * Function calls are answered {@code 429} with {@code X-FUNCTION-SCALEOUT: 1} and {@code Retry-After} in whole
     * seconds (rounded up). Health checks still answer 200.
     *
     * @param retryAfter the advertised wait, positive
     * @return the fault
     * @throws IllegalArgumentException if {@code retryAfter} is zero or negative
     */
    public static Fault throttle(Duration retryAfter) {
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (retryAfter.isZero() || retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must be positive, was " + retryAfter);
        }
        return new Fault(Kind.THROTTLE, 429, retryAfter, 0);
    }

    /**
     * The next {@code calls} function calls take {@code extra} longer (on top of the region latency), then the
     * region answers normally again. Health checks are not delayed.
     *
     * @param calls how many calls are slow, at least 1
     * @param extra the extra delay, not negative
     * @return the fault
     * @throws IllegalArgumentException if {@code calls} is below 1 or {@code extra} is negative
     */
    public static Fault coldStart(int calls, Duration extra) {
        Objects.requireNonNull(extra, "extra");
        if (calls < 1) {
            throw new IllegalArgumentException("calls must be at least 1, was " + calls);
        }
        if (extra.isNegative()) {
            throw new IllegalArgumentException("extra must not be negative, was " + extra);
        }
        return new Fault(Kind.COLD_START, 0, extra, calls);
    }

    /**
     * The region scaled out or restarted: new, cold instances serve it. Each connection, whether opened before or
     * after the fault was set, serves its next {@code callsPerConnection} function calls {@code extra} slower (the
     * instance behind it is warming up), each marked with the {@value #COLD_START_HEADER} header as a function
     * app built on the Branchline sample does; later calls on it are normal. Health checks answer at once, marked
     * with the header as long as the fault lasts (the health function knows its instance is warming).
     *
     * @param callsPerConnection how many calls per connection are slow, at least 1
     * @param extra the extra delay, not negative
     * @return the fault
     * @throws IllegalArgumentException if {@code callsPerConnection} is below 1 or {@code extra} is negative
     */
    public static Fault coldInstances(int callsPerConnection, Duration extra) {
        Objects.requireNonNull(extra, "extra");
        if (callsPerConnection < 1) {
            throw new IllegalArgumentException("callsPerConnection must be at least 1, was " + callsPerConnection);
        }
        if (extra.isNegative()) {
            throw new IllegalArgumentException("extra must not be negative, was " + extra);
        }
        return new Fault(Kind.COLD_INSTANCES, 0, extra, callsPerConnection);
    }

    Kind kind() {
        return kind;
    }

    int status() {
        return status;
    }

    Duration duration() {
        return duration;
    }

    int calls() {
        return calls;
    }

    /**
     * Compares faults by kind and parameters.
     *
     * @param o the other object
     * @return whether both describe the same fault
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof Fault f && f.kind == kind && f.status == status && f.calls == calls
                && Objects.equals(f.duration, duration);
    }

    /**
     * Hash code consistent with {@link #equals(Object)}.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return Objects.hash(kind, status, duration, calls);
    }

    /**
     * Describes the fault, for example {@code throttle(retryAfter=PT2S)}.
     *
     * @return the description
     */
    @Override
    public String toString() {
        return switch (kind) {
            case DOWN -> "down()";
            case BLACKHOLE -> "blackhole()";
            case SERVER_ERROR -> "serverError(" + status + ")";
            case THROTTLE -> duration == null ? "throttle()" : "throttle(retryAfter=" + duration + ")";
            case COLD_START -> "coldStart(" + calls + ", " + duration + ")";
            case COLD_INSTANCES -> "coldInstances(" + calls + ", " + duration + ")";
        };
    }
}
