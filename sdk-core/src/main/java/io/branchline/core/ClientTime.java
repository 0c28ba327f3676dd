package io.branchline.core;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Time as the client sees it: call deadlines, attempt timers, throttle waits and the retry budget all read the
 * client's {@link Clock}, so a test that moves a manual clock moves them too. With the system clock (the default)
 * time is {@link System#nanoTime()} and timers go straight to the shared wheel; with any other clock a timer looks
 * at the clock every {@value #POLL_MILLIS} ms until its time has come.
 */
final class ClientTime {
    static final long POLL_MILLIS = 10;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS);
    private static final Class<?> SYSTEM_CLOCK = Clock.systemUTC().getClass();

    private final Clock clock;
    private final boolean system;
    private final HashedWheelTimer wheel;

    ClientTime(Clock clock, HashedWheelTimer wheel) {
        this.clock = clock;
        this.system = clock.getClass() == SYSTEM_CLOCK;
        this.wheel = wheel;
    }

    /** Whether this is the system clock: then {@link #schedule} and {@link #scheduleReal} share one time base. */
    boolean system() {
        return system;
    }

    /** Now, in nanoseconds on the client's clock; only differences are meaningful. */
    long nanoTime() {
        if (system) {
            return System.nanoTime();
        }
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * Runs {@code task} once {@code delayNanos} have passed on the client's clock.
     *
     * @throws IllegalStateException when the shared timers were stopped (the client is closed)
     */
    Timeout schedule(TimerTask task, long delayNanos) {
        if (system) {
            return wheel.newTimeout(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        }
        ClockTimeout t = new ClockTimeout(task, nanoTime() + delayNanos);
        t.arm(delayNanos);
        return t;
    }

    /** Runs {@code task} after a real delay, whatever the client's clock says (hedges follow observed latency). */
    Timeout scheduleReal(TimerTask task, long delayNanos) {
        return wheel.newTimeout(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    /** A timer on a clock other than the system's: re-armed on the wheel until the clock reaches its time. */
    private final class ClockTimeout implements Timeout, TimerTask {
        private final TimerTask task;
        private final long atNanos;
        private volatile Timeout current;
        private volatile boolean cancelled;
        private volatile boolean expired;

        ClockTimeout(TimerTask task, long atNanos) {
            this.task = task;
            this.atNanos = atNanos;
        }

        void arm(long leftNanos) {
            current = wheel.newTimeout(this, Math.max(0, Math.min(leftNanos, POLL_NANOS)), TimeUnit.NANOSECONDS);
        }

        @Override
        public void run(Timeout ignored) throws Exception {
            if (cancelled) {
                return;
            }
            long left = atNanos - nanoTime();
            if (left > 0) {
                try {
                    arm(left);
                } catch (IllegalStateException stopped) {
                    // the shared timers stopped: the client closed and ended its calls
                }
                return;
            }
            expired = true;
            task.run(this);
        }

        @Override
        public Timer timer() {
            return wheel;
        }

        @Override
        public TimerTask task() {
            return task;
        }

        @Override
        public boolean isExpired() {
            return expired;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean cancel() {
            if (expired || cancelled) {
                return false;
            }
            cancelled = true;
            Timeout c = current;
            if (c != null) {
                c.cancel();
            }
            return true;
        }
    }
}
