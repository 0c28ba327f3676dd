package io.branchline.telemetry;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpRequest;
import com.azure.core.util.logging.ClientLogger;
import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionStatus;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The exporter's one background thread: takes records from the queue, writes them as envelopes, batches them by
 * count, bytes and interval, posts them gzipped to {@code v2.1/track}, handles the answer, spools what must wait
 * and drains the spool when ingestion answers again. All delivery state is confined to this thread.
 */
final class Sender implements Runnable {
    static final Object WAKE = new Object();
    /** Spool files sent per round between looks at the queue. */
    static final int SPOOL_FILES_PER_ROUND = 16;
    /** How often the items of a 206 answer are resent at once before they go to the spool. */
    static final int MAX_PARTIAL_RESENDS = 3;
    /** Per-item statuses of a 206 answer worth resending. */
    static final Set<Integer> RETRYABLE_ITEM_STATUS = Set.of(408, 429, 500, 503);
    static final long INITIAL_BACKOFF_MILLIS = 1_000;
    static final long MAX_BACKOFF_MILLIS = 5 * 60_000;
    private static final long MAX_IDLE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long EXPIRY_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final HttpHeaderName CONTENT_ENCODING = HttpHeaderName.fromString("Content-Encoding");
    private static final HttpHeaderName RETRY_AFTER_MS = HttpHeaderName.fromString("retry-after-ms");
    private static final HttpHeaderName X_MS_RETRY_AFTER_MS = HttpHeaderName.fromString("x-ms-retry-after-ms");

    private final ArrayBlockingQueue<Object> queue;
    private final Envelopes envelopes;
    private final DiskSpool spool;
    private final SelfCounters counters;
    private final WarnOnce warnings;
    private final ClientLogger logger;
    private final HttpPipeline pipeline;
    private final String trackUrl;
    private final Clock clock;
    private final RegionTracker tracker;
    private final int maxBatchItems;
    private final long maxBatchBytes;
    private final long flushIntervalNanos;
    private final long metricsIntervalNanos;
    private final Duration requestTimeout;

    private final ConcurrentLinkedQueue<CountDownLatch> flushes = new ConcurrentLinkedQueue<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean closing;
    private volatile long closeDeadlineNanos;
    private volatile long backoffUntilMillis;
    private int failures;

    private List<byte[]> batch = new ArrayList<>();
    private long batchBytes;
    private long batchStartNanos;
    private long nextMetricsNanos;
    private long nextExpiryNanos;

    Sender(ArrayBlockingQueue<Object> queue, Envelopes envelopes, DiskSpool spool, SelfCounters counters,
        WarnOnce warnings, ClientLogger logger, HttpPipeline pipeline, String trackUrl, Clock clock,
        RegionTracker tracker, int maxBatchItems, long maxBatchBytes, Duration flushInterval, Duration metricsInterval,
        Duration requestTimeout) {
        this.queue = queue;
        this.envelopes = envelopes;
        this.spool = spool;
        this.counters = counters;
        this.warnings = warnings;
        this.logger = logger;
        this.pipeline = pipeline;
        this.trackUrl = trackUrl;
        this.clock = clock;
        this.tracker = tracker;
        this.maxBatchItems = maxBatchItems;
        this.maxBatchBytes = maxBatchBytes;
        this.flushIntervalNanos = flushInterval.toNanos();
        this.metricsIntervalNanos = metricsInterval.toNanos();
        this.requestTimeout = requestTimeout;
    }

    // ---- called from other threads ----

    /** Asks for everything queued to be sent (or spooled) and the spool to be drained; returns the latch. */
    CountDownLatch requestFlush() {
        CountDownLatch latch = new CountDownLatch(1);
        flushes.add(latch);
        queue.offer(WAKE);
        if (finished.getCount() == 0) {
            latch.countDown();
        }
        return latch;
    }

    void requestClose(Duration timeout) {
        closeDeadlineNanos = System.nanoTime() + timeout.toNanos();
        closing = true;
        queue.offer(WAKE);
    }

    boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    long backoffUntilMillis() {
        return backoffUntilMillis;
    }

    // ---- the sender thread ----

    @Override
    public void run() {
        try {
            spool.open();
            long now = System.nanoTime();
            nextMetricsNanos = now + metricsIntervalNanos;
            nextExpiryNanos = now;
            loop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            spoolLeftovers();
        } catch (Throwable t) {
            logger.error("Telemetry sender stopped after an unexpected " + t.getClass().getName()
                + "; queued telemetry is spooled on close", t);
            spoolLeftovers();
        } finally {
            finished.countDown();
            CountDownLatch l;
            while ((l = flushes.poll()) != null) {
                l.countDown();
            }
        }
    }

    private void loop() throws InterruptedException {
        while (true) {
            if (closing) {
                finish();
                return;
            }
            long now = System.nanoTime();
            long wait = MAX_IDLE_WAIT_NANOS;
            if (!batch.isEmpty()) {
                wait = Math.min(wait, batchStartNanos + flushIntervalNanos - now);
            }
            if (metricsIntervalNanos > 0) {
                wait = Math.min(wait, nextMetricsNanos - now);
            }
            if (!flushes.isEmpty() || (!inBackoff() && spool.files() > 0)) {
                wait = 0;
            }
            Object o = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
            if (o != null) {
                take(o);
                drainQueue(queue.size());
            }
            now = System.nanoTime();
            if (!batch.isEmpty() && now - batchStartNanos >= flushIntervalNanos) {
                shipBatch();
            }
            if (metricsIntervalNanos > 0 && now - nextMetricsNanos >= 0) {
                nextMetricsNanos = now + metricsIntervalNanos;
                emitMetrics();
            }
            if (now - nextExpiryNanos >= 0) {
                nextExpiryNanos = now + EXPIRY_INTERVAL_NANOS;
                spool.expire();
            }
            if (!flushes.isEmpty()) {
                List<CountDownLatch> waiting = new ArrayList<>();
                CountDownLatch l;
                while ((l = flushes.poll()) != null) {
                    waiting.add(l);
                }
                drainQueue(Integer.MAX_VALUE);
                shipBatch();
                while (!closing && !inBackoff() && spool.files() > 0) {
                    if (!drainSpool(SPOOL_FILES_PER_ROUND)) {
                        break;
                    }
                }
                waiting.forEach(CountDownLatch::countDown);
            } else if (!inBackoff() && spool.files() > 0) {
                drainSpool(SPOOL_FILES_PER_ROUND);
            }
        }
    }

    /** Sends (or, out of time, spools) everything left in memory, then ends. */
    private void finish() {
        drainQueue(Integer.MAX_VALUE);
        shipBatch();
    }

    private void spoolLeftovers() {
        try {
            drainQueue(Integer.MAX_VALUE);
            if (!batch.isEmpty()) {
                spool.write(batch, 0);
                batch = new ArrayList<>();
                batchBytes = 0;
            }
        } catch (RuntimeException e) {
            logger.verbose("telemetry sender: spooling leftovers failed: " + e.getClass().getSimpleName());
        }
    }

    private void drainQueue(int max) {
        Object o;
        for (int i = 0; i < max && (o = queue.poll()) != null; i++) {
            take(o);
        }
    }

    private void take(Object o) {
        byte[] line;
        if (o instanceof CallRecord c) {
            line = envelopes.dependency(c);
        } else if (o instanceof MetricRecord m) {
            line = envelopes.metric(m);
        } else {
            return;
        }
        add(line);
    }

    private void add(byte[] line) {
        if (!batch.isEmpty() && batchBytes + line.length + 1 > maxBatchBytes) {
            shipBatch();
        }
        if (batch.isEmpty()) {
            batchStartNanos = System.nanoTime();
        }
        batch.add(line);
        batchBytes += line.length + 1;
        if (batch.size() >= maxBatchItems || batchBytes >= maxBatchBytes) {
            shipBatch();
        }
    }

    private void emitMetrics() {
        Instant now = clock.instant();
        for (RegionStatus r : tracker.snapshot()) {
            if (r.latency() != null) {
                add(envelopes.metric(new MetricRecord(now, MetricNames.REGION_LATENCY, RegionTracker.latencyMillis(r),
                    r.region())));
            }
            add(envelopes.metric(new MetricRecord(now, MetricNames.REGION_HEALTH,
                RegionTracker.healthValue(r.health()), r.region())));
            if (r.breaker() != BreakerState.NONE) {
                add(envelopes.metric(new MetricRecord(now, MetricNames.BREAKER_STATE,
                    RegionTracker.breakerValue(r.breaker()), r.region())));
            }
        }
        // The exporter's own losses, so operators see in Azure Monitor what a branch could not deliver.
        long dropped = 0;
        for (long n : counters.droppedSnapshot().values()) {
            dropped += n;
        }
        add(envelopes.metric(new MetricRecord(now, MetricNames.TELEMETRY_DROPPED, dropped, null)));
        add(envelopes.metric(new MetricRecord(now, MetricNames.TELEMETRY_SPOOL_BYTES, spool.bytes(), null)));
    }

    private void shipBatch() {
        if (batch.isEmpty()) {
            return;
        }
        List<byte[]> lines = batch;
        batch = new ArrayList<>();
        batchBytes = 0;
        List<byte[]> kept = inBackoff() ? lines : deliver(lines);
        if (!kept.isEmpty()) {
            spool.write(kept, 0);
        }
    }

    /**
     * Sends up to {@code maxFiles} spool files, oldest first.
     *
     * @return whether every file was handled (false when ingestion failed and the rest must wait)
     */
    private boolean drainSpool(int maxFiles) {
        for (Path p : spool.oldest(maxFiles)) {
            if (inBackoff() || closing) {
                return false;
            }
            List<byte[]> lines = spool.read(p);
            if (lines == null) {
                continue;
            }
            counters.retried.addAndGet(lines.size());
            List<byte[]> kept = deliver(lines);
            if (kept.isEmpty()) {
                spool.delete(p);
            } else if (kept.size() == lines.size()) {
                return false;
            } else {
                if (spool.write(kept, DiskSpool.createdMillis(p))) {
                    counters.spooled.addAndGet(-kept.size()); // a rewrite, not new spooling
                }
                spool.delete(p);
                return false;
            }
        }
        return true;
    }

    /**
     * Posts the lines and handles the answer.
     *
     * @return the lines that must be kept for later (spooled); empty when all were accepted or dropped
     */
    private List<byte[]> deliver(List<byte[]> lines) {
        List<byte[]> pending = lines;
        for (int round = 0; ; round++) {
            Answer a = post(pending);
            if (a.error != null) {
                warnings.warn("ingestion-unreachable", "Azure Monitor ingestion cannot be reached (" + a.error
                    + "); telemetry is kept in the spool and sent when it answers again");
                backoff(0);
                return pending;
            }
            int status = a.status;
            if (status == 200) {
                counters.accepted.addAndGet(pending.size());
                recovered();
                return List.of();
            }
            if (status == 206) {
                recovered();
                List<byte[]> retry = new ArrayList<>();
                int failed = partialErrors(a.body, pending, retry);
                counters.accepted.addAndGet(pending.size() - failed);
                counters.drop(SelfCounters.REJECTED, failed - retry.size());
                if (failed - retry.size() > 0) {
                    warnings.warn("ingestion-rejected", "Azure Monitor ingestion rejected " + (failed - retry.size())
                        + " telemetry item(s) for good (partial success); they are dropped");
                }
                if (retry.isEmpty()) {
                    return List.of();
                }
                if (round >= MAX_PARTIAL_RESENDS) {
                    return retry;
                }
                counters.retried.addAndGet(retry.size());
                pending = retry;
                continue;
            }
            long retryAfter = retryAfterMillis(a.headers);
            switch (status) {
                case 400:
                    counters.drop(SelfCounters.BAD_REQUEST, pending.size());
                    warnings.warn("ingestion-400", "Azure Monitor ingestion refused a telemetry batch as malformed"
                        + " (400); " + pending.size() + " item(s) dropped");
                    return List.of();
                case 401:
                case 403:
                    warnings.warn("ingestion-auth", "Azure Monitor ingestion refused the credentials (" + status
                        + "); check the TokenCredential's identity has the 'Monitoring Metrics Publisher' role on the"
                        + " Application Insights resource. Telemetry is kept in the spool");
                    backoff(retryAfter);
                    return pending;
                case 402:
                case 439:
                    counters.drop(SelfCounters.QUOTA, pending.size());
                    warnings.warn("ingestion-quota", "Azure Monitor ingestion refused telemetry over the resource's"
                        + " quota or daily cap (" + status + "); " + pending.size() + " item(s) dropped");
                    if (retryAfter > 0) {
                        backoff(retryAfter);
                    }
                    return List.of();
                default:
                    if (status == 408 || status == 429 || status >= 500) {
                        warnings.warn("ingestion-unavailable", "Azure Monitor ingestion answers " + status
                            + "; backing off and keeping telemetry in the spool");
                        backoff(retryAfter);
                        return pending;
                    }
                    counters.drop(SelfCounters.REJECTED, pending.size());
                    warnings.warn("ingestion-" + status, "Azure Monitor ingestion answered " + status
                        + "; " + pending.size() + " telemetry item(s) dropped");
                    return List.of();
            }
        }
    }

    /** Fills {@code retry} with the items of a 206 answer worth resending; returns how many items failed. */
    private int partialErrors(byte[] body, List<byte[]> pending, List<byte[]> retry) {
        try (JsonReader reader = JsonProviders.createReader(body)) {
            reader.nextToken();
            Object parsed = reader.readUntyped();
            if (!(parsed instanceof Map<?, ?> m) || !(m.get("errors") instanceof List<?> errors)) {
                throw new IllegalStateException("no errors array");
            }
            boolean[] seen = new boolean[pending.size()];
            int failed = 0;
            for (Object e : errors) {
                if (e instanceof Map<?, ?> err && err.get("index") instanceof Number i
                    && err.get("statusCode") instanceof Number s) {
                    int index = i.intValue();
                    if (index < 0 || index >= pending.size() || seen[index]) {
                        continue;
                    }
                    seen[index] = true;
                    failed++;
                    if (RETRYABLE_ITEM_STATUS.contains(s.intValue())) {
                        retry.add(pending.get(index));
                    }
                }
            }
            return failed;
        } catch (Exception e) {
            warnings.warn("ingestion-206", "Azure Monitor ingestion answered 206 with an unreadable body ("
                + e.getClass().getSimpleName() + "); the batch is counted as accepted");
            retry.clear();
            return 0;
        }
    }

    private Answer post(List<byte[]> lines) {
        Duration timeout = requestTimeout;
        if (closing) {
            long left = closeDeadlineNanos - System.nanoTime();
            if (left <= 0) {
                return new Answer(0, null, null, "close timeout reached");
            }
            timeout = Duration.ofNanos(Math.min(left, timeout.toNanos()));
        }
        byte[] body = DiskSpool.gzip(lines);
        HttpRequest request = new HttpRequest(HttpMethod.POST, trackUrl);
        request.setHeader(HttpHeaderName.CONTENT_TYPE, "application/x-json-stream");
        request.setHeader(CONTENT_ENCODING, "gzip");
        request.setBody(body);
        counters.sent.addAndGet(lines.size());
        try {
            Answer a = pipeline.send(request)
                .flatMap(r -> r.getBodyAsByteArray().defaultIfEmpty(new byte[0])
                    .map(b -> new Answer(r.getStatusCode(), r.getHeaders(), b, null))
                    .doFinally(s -> r.close()))
                .timeout(timeout)
                .block();
            return a == null ? new Answer(0, null, null, "no response") : a;
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null && e.getClass().getName().startsWith("reactor.") ? e.getCause() : e;
            if (cause instanceof java.util.concurrent.TimeoutException) {
                return new Answer(0, null, null, "no answer within " + timeout.toMillis() + " ms");
            }
            return new Answer(0, null, null, cause.getClass().getSimpleName());
        }
    }

    private boolean inBackoff() {
        return clock.millis() < backoffUntilMillis;
    }

    private void backoff(long retryAfterMillis) {
        failures++;
        long exp = Math.min(MAX_BACKOFF_MILLIS, INITIAL_BACKOFF_MILLIS << Math.min(failures - 1, 20));
        long jittered = exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
        long delay = Math.max(jittered, retryAfterMillis);
        backoffUntilMillis = clock.millis() + delay;
        logger.verbose("telemetry: backing off " + delay + " ms after " + failures + " failure(s)");
    }

    private void recovered() {
        if (failures > 0) {
            logger.info("Azure Monitor ingestion accepts telemetry again");
            warnings.reset("ingestion-unreachable");
            warnings.reset("ingestion-unavailable");
            warnings.reset("ingestion-auth");
        }
        failures = 0;
        backoffUntilMillis = 0;
    }

    /** Reads Retry-After (seconds or HTTP date), retry-after-ms or x-ms-retry-after-ms; 0 when absent. */
    long retryAfterMillis(HttpHeaders headers) {
        if (headers == null) {
            return 0;
        }
        for (HttpHeaderName name : new HttpHeaderName[] {RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS}) {
            String v = headers.getValue(name);
            if (v != null) {
                try {
                    return Math.max(0, Long.parseLong(v.trim()));
                } catch (NumberFormatException ignored) {
                    // try the next
                }
            }
        }
        String v = headers.getValue(HttpHeaderName.RETRY_AFTER);
        if (v == null) {
            return 0;
        }
        v = v.trim();
        try {
            return Math.max(0, Math.multiplyExact(Long.parseLong(v), 1000L));
        } catch (NumberFormatException | ArithmeticException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                return Math.max(0, at.toInstant().toEpochMilli() - clock.millis());
            } catch (RuntimeException ignored) {
                return 0;
            }
        }
    }

    private record Answer(int status, HttpHeaders headers, byte[] body, String error) {
    }
}
