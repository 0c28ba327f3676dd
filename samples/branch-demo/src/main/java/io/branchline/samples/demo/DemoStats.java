package io.branchline.samples.demo;

import io.branchline.core.CallInfo;
import io.branchline.core.CallListener;
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionResponse;
import io.branchline.core.Region;
import io.branchline.core.models.Attempt;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counts what the demo's calls did, from the client's own events. */
final class DemoStats extends CallListener {
    final LongAdder calls = new LongAdder();
    final LongAdder succeeded = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder failedIdempotent = new LongAdder();
    final LongAdder failovers = new LongAdder();
    final LongAdder hedges = new LongAdder();
    final LongAdder attempts = new LongAdder();
    final Map<String, LongAdder> servedBy = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> lastServed = new ConcurrentHashMap<>();

    @Override
    public void attemptEnd(CallInfo call, Region region, Attempt attempt) {
        attempts.increment();
    }

    @Override
    public void failover(CallInfo call, Region from, Region to, Attempt cause) {
        failovers.increment();
    }

    @Override
    public void hedge(CallInfo call, Region primary, Region hedge) {
        hedges.increment();
    }

    @Override
    public void callEnd(CallInfo call, FunctionResponse response) {
        calls.increment();
        succeeded.increment();
        servedBy.computeIfAbsent(response.region().name(), k -> new LongAdder()).increment();
    }

    @Override
    public void callFailed(CallInfo call, FunctionCallException error) {
        calls.increment();
        failed.increment();
        if (call.request().isIdempotent()) {
            failedIdempotent.increment();
        }
    }

    long served(String region) {
        LongAdder a = servedBy.get(region);
        return a == null ? 0 : a.sum();
    }

    /** Calls a region served since the previous call of this method for that region. */
    long servedSinceLast(String region) {
        long now = served(region);
        long before = lastServed.computeIfAbsent(region, k -> new AtomicLong()).getAndSet(now);
        return now - before;
    }
}
