package io.branchline.routing;

import io.branchline.core.Region;
import io.branchline.core.models.RegionHealth;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** What the router knows about one region. Fields written under {@code this} unless atomic or noted. */
final class RegionState {
    /** Weight of a new latency sample in the moving average. */
    static final double ALPHA = 0.25;
    /** A sample counts for at most this multiple of the average, so one GC pause or retransmit never flips routing. */
    static final double OUTLIER_CAP = 2.0;
    /** Samples during which the estimate is the fastest seen rather than an average. */
    static final int WARM_UP = 3;
    private static final int RESERVOIR = 32;
    /** Probe round trips kept for the distance estimate: their median ignores cold starts and stray pauses. */
    static final int PROBE_WINDOW = 8;

    final Region region;
    final int index;
    CircuitBreaker breaker;
    /** The breaker state the router last reported; see {@code NearestRegionRouter.observe}. */
    final java.util.concurrent.atomic.AtomicReference<CircuitBreaker.State> seenState =
        new java.util.concurrent.atomic.AtomicReference<>(CircuitBreaker.State.CLOSED);
    Bulkhead bulkhead;

    final AtomicInteger inFlight = new AtomicInteger();
    /** Attempts admitted in panic although the breaker refused them. */
    final AtomicInteger bypass = new AtomicInteger();
    final AtomicBoolean probing = new AtomicBoolean();

    private final long[] samples = new long[RESERVOIR];
    /** Samples recorded so far (the reservoir holds the last {@value #RESERVOIR}). */
    private final AtomicInteger recorded = new AtomicInteger();
    /** Smoothed latency of calls (and probes) in nanoseconds; NaN until measured. */
    volatile double ewmaNanos = Double.NaN;
    private final long[] probeRing = new long[PROBE_WINDOW];
    private int probeCount;
    private int probeNext;
    /** Median of the recent probe round trips in nanoseconds; NaN until a probe passed. */
    volatile double probeMedianNanos = Double.NaN;

    volatile RegionHealth health = RegionHealth.UNKNOWN;
    volatile String healthReason = "not probed yet";
    int probeFailures;
    int probeSuccesses;
    volatile int consecutiveFailures;
    volatile int throttleStreak;
    volatile long throttledUntilMillis = Long.MIN_VALUE;
    volatile long openUntilMillis = Long.MIN_VALUE;
    volatile long lastOpenMillis;
    /** {@link System#nanoTime()} when the breaker last opened. */
    volatile long openedAtNanos = Long.MIN_VALUE;
    /** Probes sent after the breaker last opened that passed in a row. */
    final AtomicInteger passesSinceOpen = new AtomicInteger();
    /** When the first probe passed while the region was out; the failback dwell counts from here. */
    volatile long firstPassAtMillis = Long.MIN_VALUE;
    /** When the region last came back after being out (unhealthy or circuit not closed). */
    volatile long recoveredAtMillis = Long.MIN_VALUE;
    /** Guarded by the router's rebuild lock. */
    boolean wasOut;
    /** The branch's own link was down: the next success restores the region at once. */
    volatile boolean linkRecovery;
    /** Set when a link recovery restored the region: no failback dwell, no slow start. */
    volatile boolean skipDwell;
    volatile ScheduledFuture<?> probeTask;

    RegionState(Region region, int index) {
        this.region = region;
        this.index = index;
    }

    String name() {
        return region.name();
    }

    /**
     * A call's or probe's latency. Called on every call: no lock. Concurrent updates may lose a sample of the
     * average or the reservoir, which an estimate can afford.
     */
    void recordLatency(long nanos) {
        double e = ewmaNanos;
        if (Double.isNaN(e) || recorded.get() < WARM_UP && nanos < e) {
            // the first samples pay for cold connections and a cold JIT: start from the fastest of them
            ewmaNanos = Double.isNaN(e) ? nanos : Math.min(e, nanos);
        } else {
            ewmaNanos = e + ALPHA * (Math.min(nanos, e * OUTLIER_CAP) - e);
        }
        int i = recorded.getAndIncrement();
        samples[Math.floorMod(i, RESERVOIR)] = nanos;
    }

    /**
     * A passed probe's round trip. Probes go to every region at the same cadence whichever region takes the traffic,
     * so their median compares regions fairly: it is the distance ranking uses when probes run.
     */
    synchronized void recordProbeLatency(long nanos) {
        recordLatency(nanos);
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

    /**
     * The latency that ranks the region: the median probe round trip when probes run (robust to load, cold starts
     * and tail latency, and equally fresh for regions that take no traffic), else the smoothed call latency.
     */
    double score() {
        double d = probeMedianNanos;
        return Double.isNaN(d) ? ewmaNanos : d;
    }

    /** A sample known to be at least this long (an attempt cancelled because a hedge won): raises the average only. */
    synchronized void recordCensored(long nanos) {
        double e = ewmaNanos;
        if (!Double.isNaN(e) && nanos > e) {
            ewmaNanos = e + ALPHA * (Math.min(nanos, e * OUTLIER_CAP) - e);
        }
    }

    /** Seeds the latency from the last-known-good file, without samples. */
    synchronized void seedLatency(double nanos) {
        if (Double.isNaN(ewmaNanos)) {
            ewmaNanos = nanos;
        }
    }

    /** @return the latency percentile of recent samples in nanoseconds, or -1 when none */
    long percentile(double p) {
        int count = Math.min(RESERVOIR, Math.max(0, recorded.get()));
        if (count == 0) {
            return Double.isNaN(ewmaNanos) ? -1 : (long) (ewmaNanos * 2);
        }
        long[] copy = Arrays.copyOf(samples, count);
        Arrays.sort(copy);
        int i = (int) Math.ceil(p * count) - 1;
        return copy[Math.max(0, Math.min(count - 1, i))];
    }

    boolean measured() {
        return !Double.isNaN(score());
    }
}
