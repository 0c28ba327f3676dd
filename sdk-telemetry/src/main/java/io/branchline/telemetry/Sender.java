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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
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
    /**
     * Longest wait between two looks at whether ingestion answers again, unless Retry-After asks for longer: after a
     * failure the next batch (or the oldest spool file) is posted within this time.
     */
    static final long RECOVERY_CHECK_MILLIS = 1_000;
    /**
     * The same after a request that got no HTTP answer (connection refused or reset, no route, timeout): such a look
     * costs ingestion nothing, so the end of a network outage is seen within half a second.
     */
    static final long NETWORK_RECOVERY_CHECK_MILLIS = 500;
    /** First timeout of a request sent while ingestion is failing; doubled after each timeout up to requestTimeout. */
    static final long PROBE_TIMEOUT_MILLIS = 1_000;
    /**
     * Spool files posted at once while draining after ingestion answered again: the round trips overlap, so a spool
     * of a long outage drains within seconds; the live queue is looked at between drain rounds.
     */
    static final int DRAIN_IN_FLIGHT = 4;
    /** Longest time one round of spool draining holds the sender before it looks at the live queue again. */
    static final long DRAIN_ROUND_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
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
    /** Retry-After: nothing is posted before this instant (clock millis), not even for a flush. */
    private long retryAfterUntilMillis;
    private long probeTimeoutMillis = PROBE_TIMEOUT_MILLIS;
    private boolean failedThisFlush;
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

    /**
     * Asks the sender to finish: requests in flight are abandoned in time to spool their batch before the close
     * timeout ends.
     */
    void requestClose(Duration timeout) {
        long reserve = Math.min(timeout.toNanos() / 4, TimeUnit.MILLISECONDS.toNanos(500));
        closeDeadlineNanos = System.nanoTime() + timeout.toNanos() - reserve;
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
            long backoffLeft = backoffUntilMillis - clock.millis();
            if (backoffLeft > 0 && spool.files() > 0) {
                wait = Math.min(wait, TimeUnit.MILLISECONDS.toNanos(backoffLeft));
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
                shipBatch(false);
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
                // A flush looks at ingestion now rather than at the end of the back-off (Retry-After excepted), and
                // drains the whole spool, so that it returns with everything delivered, spooled or dropped.
                failedThisFlush = false;
                drainQueue(Integer.MAX_VALUE);
                shipBatch(true);
                while (!closing && maySend(true) && spool.files() > 0) {
                    if (!drainSpool(Integer.MAX_VALUE, true)) {
                        break;
                    }
                }
                waiting.forEach(CountDownLatch::countDown);
            } else if (!inBackoff() && spool.files() > 0) {
                drainSpool(SPOOL_FILES_PER_ROUND, false);
            }
        }
    }

    /** Sends (or, out of time, spools) everything left in memory, then ends. */
    private void finish() {
        drainQueue(Integer.MAX_VALUE);
        shipBatch(false);
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
        } else if (o instanceof ControlRecord c) {
            line = envelopes.controlEvent(c);
        } else if (o instanceof EventRecord e) {
            line = envelopes.event(e);
        } else {
            return;
        }
        add(line);
    }

    private void add(byte[] line) {
        if (!batch.isEmpty() && batchBytes + line.length + 1 > maxBatchBytes) {
            shipBatch(false);
        }
        if (batch.isEmpty()) {
            batchStartNanos = System.nanoTime();
        }
        batch.add(line);
        batchBytes += line.length + 1;
        if (batch.size() >= maxBatchItems || batchBytes >= maxBatchBytes) {
            shipBatch(false);
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
        add(envelopes.metric(new MetricRecord(now, MetricNames.BRANCH_LINK_DOWN, tracker.linkDown() ? 1 : 0, null)));
        // The exporter's own losses, so operators see in Azure Monitor what a branch could not deliver.
        long dropped = 0;
        for (long n : counters.droppedSnapshot().values()) {
            dropped += n;
        }
        add(envelopes.metric(new MetricRecord(now, MetricNames.TELEMETRY_DROPPED, dropped, null)));
        add(envelopes.metric(new MetricRecord(now, MetricNames.TELEMETRY_SPOOL_BYTES, spool.bytes(), null)));
    }

    private void shipBatch(boolean flushing) {
        if (batch.isEmpty()) {
            return;
        }
        List<byte[]> lines = batch;
        batch = new ArrayList<>();
        batchBytes = 0;
        List<byte[]> kept = maySend(flushing) ? deliver(lines) : lines;
        if (!kept.isEmpty()) {
            spool.write(kept, 0);
        }
    }

    /**
     * Sends up to {@code maxFiles} spool files, oldest first; outside a flush, for at most one drain round's time so
     * the live queue keeps moving. While ingestion is failing one file at a time looks at whether it answers again;
     * once it answers, a window of {@link #DRAIN_IN_FLIGHT} requests stays in flight (the next file goes as soon as
     * the oldest request is answered), their answers handled in the order they were sent.
     *
     * @return whether every file sent was delivered (false when ingestion failed and the rest must wait)
     */
    private boolean drainSpool(int maxFiles, boolean flushing) {
        long roundEnd = System.nanoTime() + DRAIN_ROUND_NANOS;
        List<Path> files = spool.oldest(maxFiles);
        ArrayDeque<SpoolPost> window = new ArrayDeque<>(DRAIN_IN_FLIGHT);
        boolean allDelivered = true;
        int i = 0;
        while (true) {
            int limit = failures > 0 ? 1 : DRAIN_IN_FLIGHT;
            while (allDelivered && window.size() < limit && i < files.size() && !closing && maySend(flushing)
                && (flushing || System.nanoTime() - roundEnd < 0)) {
                Path p = files.get(i++);
                DiskSpool.Batch b = spool.read(p);
                if (b != null) {
                    counters.retried.addAndGet(b.lines().size());
                    window.add(new SpoolPost(p, b.lines(), send(b.lines(), b.gzipped())));
                }
            }
            SpoolPost head = window.poll();
            if (head == null) {
                return allDelivered && !(closing && i < files.size());
            }
            List<byte[]> kept = deliver(head.lines(), head.post());
            if (kept.isEmpty()) {
                spool.delete(head.file());
            } else if (kept.size() == head.lines().size()) {
                allDelivered = false; // the file stays as it is, for the next look
            } else {
                if (spool.write(kept, DiskSpool.createdMillis(head.file()))) {
                    counters.spooled.addAndGet(-kept.size()); // a rewrite, not new spooling
                }
                spool.delete(head.file());
                allDelivered = false;
            }
        }
    }

    /** A spool file whose batch is in flight. */
    private record SpoolPost(Path file, List<byte[]> lines, InFlightPost post) {
    }

    /**
     * Posts the lines and handles the answer.
     *
     * @return the lines that must be kept for later (spooled); empty when all were accepted or dropped
     */
    private List<byte[]> deliver(List<byte[]> lines) {
        return deliver(lines, null);
    }

    /**
     * As {@link #deliver(List)}, the first request already sent ({@code first}, when not null).
     */
    private List<byte[]> deliver(List<byte[]> lines, InFlightPost first) {
        List<byte[]> pending = lines;
        for (int round = 0; ; round++) {
            Answer a = round == 0 && first != null ? await(first) : post(pending);
            if (a.timedOut) {
                probeTimeoutMillis = Math.min(requestTimeout.toMillis(), probeTimeoutMillis * 2);
            }
            if (a.error != null) {
                warnings.warn("ingestion-unreachable", "Azure Monitor ingestion cannot be reached (" + a.error
                    + "); telemetry is kept in the spool and sent when it answers again");
                backoff(0, NETWORK_RECOVERY_CHECK_MILLIS);
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
                Map<String, Integer> rejections = new java.util.LinkedHashMap<>();
                int failed = partialErrors(a.body, pending, retry, rejections);
                counters.accepted.addAndGet(pending.size() - failed);
                counters.drop(SelfCounters.REJECTED, failed - retry.size());
                rejections.forEach((message, count) -> warnings.warnPerDistinct("ingestion-rejected", message,
                    "Azure Monitor ingestion rejected " + count + " telemetry item(s) for good (partial success);"
                        + " they are dropped. Ingestion says: " + message));
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
                case 400: {
                    counters.drop(SelfCounters.BAD_REQUEST, pending.size());
                    String said = firstMessage(a.body);
                    warnings.warnPerDistinct("ingestion-400", said, "Azure Monitor ingestion refused a telemetry"
                        + " batch as malformed (400); " + pending.size() + " item(s) dropped."
                        + (said.isEmpty() ? "" : " Ingestion says: " + said));
                    return List.of();
                }
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

    /** Longest part of an ingestion message repeated in a log line. */
    static final int MAX_MESSAGE_CHARS = 300;

    /** The first per-item message of an answer's body, cut to {@link #MAX_MESSAGE_CHARS}; empty when none. */
    static String firstMessage(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        try (JsonReader reader = JsonProviders.createReader(body)) {
            reader.nextToken();
            if (reader.readUntyped() instanceof Map<?, ?> m && m.get("errors") instanceof List<?> errors) {
                for (Object e : errors) {
                    if (e instanceof Map<?, ?> err && err.get("message") instanceof String msg && !msg.isBlank()) {
                        return Envelopes.cut(msg.strip(), MAX_MESSAGE_CHARS);
                    }
                }
            }
        } catch (Exception ignored) {
            // not the TrackResponse shape: nothing to add
        }
        return "";
    }

    /**
     * Fills {@code retry} with the items of a 206 answer worth resending and {@code rejections} with ingestion's
     * message for each distinct reason an item was refused for good; returns how many items failed.
     */
    private int partialErrors(byte[] body, List<byte[]> pending, List<byte[]> retry, Map<String, Integer> rejections) {
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
                    } else {
                        String msg = err.get("message") instanceof String t && !t.isBlank()
                            ? Envelopes.cut(t.strip(), MAX_MESSAGE_CHARS) : "status " + s.intValue() + " (no message)";
                        rejections.merge(msg, 1, Integer::sum);
                    }
                }
            }
            return failed;
        } catch (Exception e) {
            warnings.warn("ingestion-206", "Azure Monitor ingestion answered 206 with an unreadable body ("
                + e.getClass().getSimpleName() + "); the batch is counted as accepted");
            retry.clear();
            rejections.clear();
            return 0;
        }
    }

    private Answer post(List<byte[]> lines) {
        return await(send(lines, DiskSpool.gzip(lines)));
    }

    /** A request sent and not yet answered: its answer, or the answer it already has (not sent). */
    private record InFlightPost(CompletableFuture<Answer> answer, Answer immediate, Duration timeout, long sentNanos) {
    }

    /** Sends one batch ({@code body}: its lines gzipped) without waiting for the answer. */
    private InFlightPost send(List<byte[]> lines, byte[] body) {
        // While ingestion is failing, a request is a look at whether it answers again: a short timeout keeps those
        // looks about once a second; it doubles after each timeout so a slow but working ingestion is still reached.
        Duration timeout = failures > 0 ? Duration.ofMillis(Math.min(probeTimeoutMillis, requestTimeout.toMillis()))
            : requestTimeout;
        if (closing && closeDeadlineNanos - System.nanoTime() <= 0) {
            return new InFlightPost(null, new Answer(0, null, null, "close timeout reached", false), timeout, 0);
        }
        HttpRequest request = new HttpRequest(HttpMethod.POST, trackUrl);
        request.setHeader(HttpHeaderName.CONTENT_TYPE, "application/x-json-stream");
        request.setHeader(CONTENT_ENCODING, "gzip");
        request.setBody(body);
        counters.sent.addAndGet(lines.size());
        try {
            CompletableFuture<Answer> answer = pipeline.send(request)
                .flatMap(r -> r.getBodyAsByteArray().defaultIfEmpty(new byte[0])
                    .map(b -> new Answer(r.getStatusCode(), r.getHeaders(), b, null, false))
                    .doFinally(s -> r.close()))
                .toFuture();
            return new InFlightPost(answer, null, timeout, System.nanoTime());
        } catch (RuntimeException e) {
            return new InFlightPost(null, new Answer(0, null, null, e.getClass().getSimpleName(), false), timeout, 0);
        }
    }

    /** Waits for a request's answer, within its timeout counted from when it was sent. */
    private Answer await(InFlightPost post) {
        if (post.immediate() != null) {
            return post.immediate();
        }
        CompletableFuture<Answer> answer = post.answer();
        Duration timeout = post.timeout();
        // Waits in slices so that close() can end a request in flight (ingestion hanging) in time to spool its batch,
        // without interrupting this thread (an interrupted thread cannot write files).
        long deadline = post.sentNanos() + timeout.toNanos();
        while (true) {
            long now = System.nanoTime();
            boolean closeDue = closing && closeDeadlineNanos - now <= 0;
            if (closeDue || deadline - now <= 0) {
                answer.cancel(true);
                return new Answer(0, null, null, closeDue ? "close timeout reached"
                    : "no answer within " + timeout.toMillis() + " ms", !closeDue);
            }
            try {
                Answer a = answer.get(Math.min(WAIT_SLICE_NANOS, deadline - now), TimeUnit.NANOSECONDS);
                return a == null ? new Answer(0, null, null, "no response", false) : a;
            } catch (TimeoutException e) {
                // look again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answer.cancel(true);
                return new Answer(0, null, null, "interrupted", false);
            } catch (ExecutionException | CancellationException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (cause.getCause() != null && cause.getClass().getName().startsWith("reactor.")) {
                    cause = cause.getCause();
                }
                return new Answer(0, null, null, cause.getClass().getSimpleName(), false);
            }
        }
    }

    private boolean inBackoff() {
        return clock.millis() < backoffUntilMillis;
    }

    /**
     * Whether a batch may be posted now: not while backing off, except for a flush, which looks at ingestion at once
     * (once per flush) unless Retry-After still holds.
     */
    private boolean maySend(boolean flushing) {
        if (!inBackoff()) {
            return true;
        }
        return flushing && !failedThisFlush && clock.millis() >= retryAfterUntilMillis;
    }

    /**
     * After a failure: the next look at ingestion is due within {@link #RECOVERY_CHECK_MILLIS} (jittered so branches
     * do not probe in step), or after Retry-After when ingestion asked for longer.
     */
    private void backoff(long retryAfterMillis) {
        backoff(retryAfterMillis, RECOVERY_CHECK_MILLIS);
    }

    private void backoff(long retryAfterMillis, long checkMillis) {
        failures++;
        failedThisFlush = true;
        long check = checkMillis - ThreadLocalRandom.current().nextLong(checkMillis / 4 + 1);
        long delay = Math.max(check, retryAfterMillis);
        long now = clock.millis();
        retryAfterUntilMillis = retryAfterMillis > 0 ? now + retryAfterMillis : 0;
        backoffUntilMillis = now + delay;
        logger.verbose("telemetry: next look at ingestion in " + delay + " ms after " + failures + " failure(s)");
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
        retryAfterUntilMillis = 0;
        probeTimeoutMillis = PROBE_TIMEOUT_MILLIS;
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

    private record Answer(int status, HttpHeaders headers, byte[] body, String error, boolean timedOut) {
    }
}
