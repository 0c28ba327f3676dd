package io.branchline.core;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Token bucket bounding retries and hedges: every call deposits {@code ratio} of a token, time adds
 * {@code floorPerSecond} tokens a second, each retry or hedge withdraws one. The balance is capped at ten seconds
 * of floor plus what 100 calls deposit, so a quiet period never saves up a storm. A hedge is speculative: it may
 * not spend the reserve (the lower half of the cap), which is kept for failovers after attempts that really failed;
 * otherwise a region that stops answering (a blackhole, at high concurrency) lets the hedges of its first calls
 * spend everything, and the calls whose hedge was refused then time out with no failover left. Lock-free: it is
 * touched by every call.
 */
final class RetryBudget {
    private static final long SCALE = 1_000_000L;

    private final long deposit;
    private final long floorPerSecond;
    private final long cap;
    /** Tokens only failovers may spend: half the cap, whole tokens. */
    private final long reserve;
    private final AtomicLong balance;
    private final AtomicLong lastRefillNanos;

    RetryBudget(double ratio, int floorPerSecond, long nowNanos) {
        this.deposit = Math.round(ratio * SCALE);
        this.floorPerSecond = floorPerSecond * SCALE;
        this.cap = Math.max(SCALE, floorPerSecond * SCALE * 10 + deposit * 100);
        this.reserve = cap / 2 / SCALE * SCALE;
        this.balance = new AtomicLong(cap);
        this.lastRefillNanos = new AtomicLong(nowNanos);
    }

    void onCall() {
        if (deposit > 0 && balance.get() < cap) {
            balance.accumulateAndGet(deposit, (b, d) -> Math.min(cap, b + d));
        }
    }

    /** A failover after a failed attempt: may spend every token. */
    boolean tryWithdraw(long nowNanos) {
        return tryWithdraw(nowNanos, 0);
    }

    /** A hedge: may not spend the reserve kept for failovers. */
    boolean tryWithdrawForHedge(long nowNanos) {
        return tryWithdraw(nowNanos, reserve);
    }

    private boolean tryWithdraw(long nowNanos, long keep) {
        long last = lastRefillNanos.get();
        long elapsed = nowNanos - last;
        if (elapsed > 0 && floorPerSecond > 0) {
            long add = (long) (floorPerSecond * (elapsed / 1e9));
            if (add > 0 && lastRefillNanos.compareAndSet(last, nowNanos)) {
                balance.accumulateAndGet(add, (b, a) -> Math.min(cap, b + a));
            }
        }
        while (true) {
            long b = balance.get();
            if (b - SCALE < keep) {
                return false;
            }
            if (balance.compareAndSet(b, b - SCALE)) {
                return true;
            }
        }
    }

    double balance() {
        return balance.get() / (double) SCALE;
    }
}
