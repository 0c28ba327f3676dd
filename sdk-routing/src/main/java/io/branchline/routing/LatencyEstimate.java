package io.branchline.routing;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How far one region is: the distance that ranks it and the latency percentile that sets the hedge delay.
 *
 * <p>Concurrency: call samples arrive on many threads without a lock; a concurrent update may lose a sample of the
 * average or the reservoir, which an estimate can afford. Probe samples are serialised on {@code this} (one probe
 * of a region runs at a time anyway). Readers see volatile fields only.
 */
final class LatencyEstimate {
    /** Weight of a new latency sample in the moving average. */
    static final double ALPHA = 0.25;
    /** A sample counts for at most this multiple of the average, so one GC pause or retransmit never flips routing. */
    static final double OUTLIER_CAP = 2.0;
    /** Samples during which the estimate is the fastest seen rather than an average. */
    static final int WARM_UP = 3;
    /** Call and probe latencies kept for the hedge percentile. */
    static final int RESERVOIR = 32;
    /** Probe round trips kept for the distance estimate: their median ignores cold starts and stray pauses. */
    static final int PROBE_WINDOW = 8;
    /** Once the reservoir is full the percentile is recomputed every this many samples (a power of two). */
    private static final int PERCENTILE_EVERY = 4;
    private static final ThreadLocal<long[]> SCRATCH = ThreadLocal.withInitial(() -> new long[RESERVOIR]);

    private final double hedgePercentile;
    private final long[] samples = new long[RESERVOIR];
    private final AtomicInteger recorded = new AtomicInteger();
    /** Smoothed latency of calls (and probes) in nanoseconds; NaN until measured. */
    private volatile double ewmaNanos = Double.NaN;
    /** The hedge percentile of the reservoir in nanoseconds; -1 until a sample arrived. */
    private volatile long percentileNanos = -1;
    private final long[] probeRing = new long[PROBE_WINDOW];
    private int probeCount;
    private int probeNext;
    /** Median of the recent probe round trips in nanoseconds; NaN until a probe passed. */
    private volatile double probeMedianNanos = Double.NaN;

    LatencyEstimate(double hedgePercentile) {
        this.hedgePercentile = hedgePercentile;
    }

    /** A call's or probe's latency. On every call: no lock, no allocation. */
    void record(long nanos) {
        double e = ewmaNanos;
        int n = recorded.getAndIncrement();
        if (Double.isNaN(e) || n < WARM_UP && nanos < e) {
            // the first samples pay for cold connections and a cold JIT: start from the fastest of them
            ewmaNanos = Double.isNaN(e) ? nanos : Math.min(e, nanos);
        } else {
            ewmaNanos = e + ALPHA * (Math.min(nanos, e * OUTLIER_CAP) - e);
        }
        samples[n & (RESERVOIR - 1)] = nanos;
        if (n < RESERVOIR || (n & (PERCENTILE_EVERY - 1)) == 0) {
            percentileNanos = percentileOfReservoir(Math.min(RESERVOIR, n + 1));
        }
    }

    private long percentileOfReservoir(int count) {
        int i = Math.max(0, Math.min(count - 1, (int) Math.ceil(hedgePercentile * count) - 1));
        int fromTop = count - i; // the percentile is the fromTop-th largest sample
        if (fromTop <= 4) {
            return largest(count, fromTop); // a tail percentile (the default p95 is the 2nd largest of 32): one pass
        }
        long[] sorted = SCRATCH.get();
        System.arraycopy(samples, 0, sorted, 0, count);
        for (int k = 1; k < count; k++) { // insertion sort: at most 32 longs, no allocation
            long v = sorted[k];
            int j = k - 1;
            while (j >= 0 && sorted[j] > v) {
                sorted[j + 1] = sorted[j];
                j--;
            }
            sorted[j + 1] = v;
        }
        return sorted[i];
    }

    /** The {@code rank}-th largest (1 to 4) of the first {@code count} samples, in one pass without a copy. */
    private long largest(int count, int rank) {
        long t0 = Long.MIN_VALUE;
        long t1 = Long.MIN_VALUE;
        long t2 = Long.MIN_VALUE;
        long t3 = Long.MIN_VALUE;
        long[] s = samples;
        for (int k = 0; k < count; k++) {
            long v = s[k];
            if (v <= t3) {
                continue;
            }
            if (v > t0) {
                t3 = t2;
                t2 = t1;
                t1 = t0;
                t0 = v;
            } else if (v > t1) {
                t3 = t2;
                t2 = t1;
                t1 = v;
            } else if (v > t2) {
                t3 = t2;
                t2 = v;
            } else {
                t3 = v;
            }
        }
        return rank == 1 ? t0 : rank == 2 ? t1 : rank == 3 ? t2 : t3;
    }

    /**
     * A passed probe's round trip. Probes go to every region at the same cadence whichever region takes the traffic,
     * so their median compares regions fairly: it is the distance ranking uses when probes run.
     */
    synchronized void recordProbe(long nanos) {
        record(nanos);
        probeRing[probeNext] = nanos;
        probeNext = (probeNext + 1) % PROBE_WINDOW;
        if (probeCount < PROBE_WINDOW) {
            probeCount++;
        }
        long[] copy = Arrays.copyOf(probeRing, probeCount);
        Arrays.sort(copy);
        probeMedianNanos = (probeCount & 1) == 1 ? copy[probeCount / 2]
            : (copy[probeCount / 2 - 1] + copy[probeCount / 2]) / 2.0;
    }

    /** A sample known to be at least this long (an attempt cancelled because a hedge won): raises the average only. */
    synchronized void recordCensored(long nanos) {
        double e = ewmaNanos;
        if (!Double.isNaN(e) && nanos > e) {
            ewmaNanos = e + ALPHA * (Math.min(nanos, e * OUTLIER_CAP) - e);
        }
    }

    /** Seeds the latency from the last-known-good file, without samples. */
    synchronized void seed(double nanos) {
        if (Double.isNaN(ewmaNanos)) {
            ewmaNanos = nanos;
        }
    }

    /**
     * The latency that ranks the region: the median probe round trip when probes run (robust to load, cold starts
     * and tail latency, and equally fresh for regions that take no traffic), else the smoothed call latency.
     */
    double score() {
        double d = probeMedianNanos;
        return Double.isNaN(d) ? ewmaNanos : d;
    }

    boolean measured() {
        return !Double.isNaN(score());
    }

    /** @return the hedge percentile of recent samples in nanoseconds; twice a seeded average; -1 when unknown */
    long hedgeNanos() {
        long p = percentileNanos;
        if (p >= 0) {
            return p;
        }
        double e = ewmaNanos;
        return Double.isNaN(e) ? -1 : (long) (e * 2);
    }
}
