package io.branchline.core;

import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client's view of the shared scheduler: what the client's router schedules runs on the shared thread, and
 * {@link #shutdownNow()} cancels exactly this client's tasks, leaving other clients' alone.
 */
final class ClientScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final ScheduledExecutorService shared;
    private final Set<Future<?>> tasks = ConcurrentHashMap.newKeySet();
    /** This client's tasks running now; guarded by {@code this}. */
    private int running;
    private volatile boolean shutdown;

    ClientScheduler(ScheduledExecutorService shared) {
        this.shared = shared;
    }

    private <F extends Future<?>> F track(F f) {
        tasks.add(f);
        if (shutdown || f.isDone()) {
            // closed meanwhile, or already over: nothing to keep
            tasks.remove(f);
            if (shutdown) {
                f.cancel(false);
            }
        }
        return f;
    }

    private void check() {
        if (shutdown) {
            throw new RejectedExecutionException("The client is closed");
        }
    }

    private Runnable untracking(Runnable r, Future<?>[] self) {
        Runnable counted = counting(r);
        return () -> {
            try {
                counted.run();
            } finally {
                Future<?> f = self[0];
                if (f != null) {
                    tasks.remove(f);
                }
            }
        };
    }

    /** Counts the task while it runs, so that close() can wait for this client's running work to end. */
    private Runnable counting(Runnable r) {
        return () -> {
            synchronized (this) {
                if (shutdown) {
                    return;
                }
                running++;
            }
            try {
                r.run();
            } finally {
                synchronized (this) {
                    running--;
                    notifyAll();
                }
            }
        };
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        check();
        Future<?>[] self = new Future<?>[1];
        ScheduledFuture<?> f = shared.schedule(untracking(command, self), delay, unit);
        self[0] = f;
        return track(f);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        check();
        Future<?>[] self = new Future<?>[1];
        ScheduledFuture<V> f = shared.schedule(() -> {
            try {
                synchronized (this) {
                    if (shutdown) {
                        return null;
                    }
                    running++;
                }
                try {
                    return callable.call();
                } finally {
                    synchronized (this) {
                        running--;
                        notifyAll();
                    }
                }
            } finally {
                Future<?> me = self[0];
                if (me != null) {
                    tasks.remove(me);
                }
            }
        }, delay, unit);
        self[0] = f;
        return track(f);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        check();
        return track(shared.scheduleAtFixedRate(counting(command), initialDelay, period, unit));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        check();
        return track(shared.scheduleWithFixedDelay(counting(command), initialDelay, delay, unit));
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdown() {
        shutdownNow();
    }

    @Override
    public List<Runnable> shutdownNow() {
        synchronized (this) {
            shutdown = true;
        }
        for (Future<?> f : tasks) {
            f.cancel(false);
        }
        tasks.clear();
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && running == 0;
    }

    /** Waits for this client's tasks that were running when it shut down; never on the shared thread itself. */
    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long until = System.nanoTime() + unit.toNanos(timeout);
        synchronized (this) {
            while (!(shutdown && running == 0)) {
                long left = until - System.nanoTime();
                if (left <= 0 || Thread.currentThread().getName().equals("branchline-scheduler")) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }
}
