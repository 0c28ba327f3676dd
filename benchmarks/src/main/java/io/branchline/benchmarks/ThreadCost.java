package io.branchline.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time and allocated bytes of the client's long-lived threads (Netty event loops, timers, probes, telemetry),
 * from {@link com.sun.management.ThreadMXBean}. Left out: the region simulator's and the ingestion endpoint's threads
 * (the server side), the load threads (each measures itself, see {@link ScenarioMain#load}) and the thread taking
 * the snapshot (the harness). A thread that started between two snapshots counts from zero; one that ended between
 * them is lost, which the long-lived threads measured here do not do.
 */
final class ThreadCost {
    private static final com.sun.management.ThreadMXBean MX =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final Map<Long, long[]> byThread;

    private ThreadCost(Map<Long, long[]> byThread) {
        this.byThread = byThread;
    }

    static ThreadCost snapshot() {
        Map<Long, long[]> m = new HashMap<>();
        long self = Thread.currentThread().getId();
        for (var info : MX.getThreadInfo(MX.getAllThreadIds())) {
            if (info == null || info.getThreadId() == self || !isClient(info.getThreadName())) {
                continue;
            }
            long cpu = MX.getThreadCpuTime(info.getThreadId());
            long alloc = MX.getThreadAllocatedBytes(info.getThreadId());
            if (cpu >= 0 && alloc >= 0) {
                m.put(info.getThreadId(), new long[] {cpu, alloc});
            }
        }
        return new ThreadCost(m);
    }

    static boolean isClient(String threadName) {
        return !threadName.startsWith("branchline-sim") && !threadName.startsWith("branchline-ingestion")
            && !threadName.startsWith("scenario-");
    }

    /** CPU nanoseconds and allocated bytes of these threads since {@code before}: {cpu, bytes}. */
    long[] since(ThreadCost before) {
        long cpu = 0;
        long alloc = 0;
        for (Map.Entry<Long, long[]> e : byThread.entrySet()) {
            long[] b = before.byThread.getOrDefault(e.getKey(), new long[2]);
            cpu += e.getValue()[0] - b[0];
            alloc += e.getValue()[1] - b[1];
        }
        return new long[] {cpu, alloc};
    }

    /** CPU nanoseconds of the calling thread. */
    static long currentThreadCpu() {
        return MX.getCurrentThreadCpuTime();
    }

    /** Bytes allocated so far by the calling thread. */
    static long currentThreadAllocated() {
        return MX.getCurrentThreadAllocatedBytes();
    }
}
