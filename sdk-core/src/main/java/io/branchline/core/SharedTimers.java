package io.branchline.core;

import io.netty.util.HashedWheelTimer;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The process-wide timer wheel and background scheduler every client shares: one timer thread and one scheduler
 * thread however many clients are open. Each client takes a {@link Lease} when it is built and returns it when it
 * closes (or when its build fails); the last lease returned stops both threads, and the next client starts new ones.
 */
final class SharedTimers {
    private static final Object LOCK = new Object();
    private static int leases;
    private static HashedWheelTimer wheel;
    private static ScheduledThreadPoolExecutor scheduler;

    private SharedTimers() {
    }

    static Lease acquire() {
        synchronized (LOCK) {
            if (leases == 0) {
                wheel = new HashedWheelTimer(r -> daemon(r, "branchline-timer"), 10, TimeUnit.MILLISECONDS, 512);
                ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "branchline-scheduler"));
                s.setRemoveOnCancelPolicy(true);
                s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
                scheduler = s;
            }
            leases++;
            return new Lease(wheel, scheduler);
        }
    }

    /** The number of clients holding the shared timers now. */
    static int leases() {
        synchronized (LOCK) {
            return leases;
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void release() {
        HashedWheelTimer w;
        ScheduledThreadPoolExecutor s;
        synchronized (LOCK) {
            if (--leases > 0) {
                return;
            }
            w = wheel;
            s = scheduler;
            wheel = null;
            scheduler = null;
        }
        s.shutdownNow();
        if (Thread.currentThread().getName().equals("branchline-timer")) {
            // stop() refuses to run on the wheel's own thread: stop it from the scheduler's instead
            new Thread(w::stop, "branchline-timer-stop").start();
        } else {
            w.stop();
        }
    }

    /** One client's hold on the shared timers; {@link #close()} returns it once. */
    static final class Lease implements AutoCloseable {
        final HashedWheelTimer wheel;
        final ScheduledThreadPoolExecutor scheduler;
        private boolean released;

        private Lease(HashedWheelTimer wheel, ScheduledThreadPoolExecutor scheduler) {
            this.wheel = wheel;
            this.scheduler = scheduler;
        }

        @Override
        public void close() {
            synchronized (this) {
                if (released) {
                    return;
                }
                released = true;
            }
            release();
        }
    }
}
