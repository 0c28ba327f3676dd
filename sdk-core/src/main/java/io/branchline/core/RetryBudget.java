package io.branchline.core;

/**
 * Token bucket bounding retries and hedges: every call deposits {@code ratio} of a token, time adds
 * {@code floorPerSecond} tokens a second, each retry or hedge withdraws one. The balance is capped at ten seconds
 * of floor plus what 100 calls deposit, so a quiet period never saves up a storm.
 */
final class RetryBudget {
    private static final long SCALE = 1_000_000L;

    private final long deposit;
    private final long floorPerSecond;
    private final long cap;
    private long balance;
    private long lastRefillNanos;

    RetryBudget(double ratio, int floorPerSecond, long nowNanos) {
        this.deposit = Math.round(ratio * SCALE);
        this.floorPerSecond = floorPerSecond * SCALE;
        this.cap = Math.max(SCALE, floorPerSecond * SCALE * 10 + deposit * 100);
        this.balance = cap;
        this.lastRefillNanos = nowNanos;
    }

    synchronized void onCall() {
        balance = Math.min(cap, balance + deposit);
    }

    synchronized boolean tryWithdraw(long nowNanos) {
        long elapsed = nowNanos - lastRefillNanos;
        if (elapsed > 0) {
            long add = floorPerSecond == 0 ? 0 : (long) (floorPerSecond * (elapsed / 1e9));
            if (add > 0) {
                balance = Math.min(cap, balance + add);
                lastRefillNanos = nowNanos;
            }
        }
        if (balance >= SCALE) {
            balance -= SCALE;
            return true;
        }
        return false;
    }

    synchronized double balance() {
        return balance / (double) SCALE;
    }
}
