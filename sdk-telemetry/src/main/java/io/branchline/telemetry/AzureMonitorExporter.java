package io.branchline.telemetry;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.policy.BearerTokenAuthenticationPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.CallInfo;
import io.branchline.core.CallListener;
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionResponse;
import io.branchline.core.Region;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;
import io.branchline.core.models.RegionStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Sends Branchline calls to Azure Monitor (Application Insights) as dependencies, with periodic region metrics,
 * speaking the ingestion protocol ({@code POST {IngestionEndpoint}/v2.1/track}, gzip, newline-delimited JSON) on
 * azure-core's pipeline. Add it to a client as a listener and close it when the application stops:
 *
 * <pre>{@code
 * AzureMonitorExporter exporter = AzureMonitorExporter.builder()
 *     .connectionString(ConnectionString.fromEnvironment())
 *     .roleName("till-service")
 *     .build();
 * FunctionClient client = new FunctionClientBuilder()...addListener(exporter).buildClient();
 * }</pre>
 *
 * <p><b>Items.</b> One {@code RemoteDependency} per call: type {@code Http}, target the region's host, name the
 * method and route template, data the URL without its query string, the last status as result code (or the
 * failure kind, such as {@code TIMEOUT}, when no region answered), the duration, success, and the properties
 * {@code region}, {@code attempts}, {@code failover}, {@code hedged} and {@code branch}. Its {@code id} is the span id
 * and {@code ai.operation.id} the trace id of the {@code traceparent} the client sent, so the function's request
 * telemetry nests under it; {@code ai.operation.parentId} is the caller's span when the request continued a trace.
 * The property {@code route} is the compact route ({@code Route.compact()}, such as
 * {@code we(nearest)>ne(failover:CONNECT_FAILED)}). A call answered from the stale-if-error cache is a failed
 * dependency with {@code servedStale=true} and the failure's first line in {@code error}.
 * When the router finds the branch's own link down and back, one {@code Event} item each
 * ({@code branchline.link.down} with {@code reason}, {@code branchline.link.up} with {@code downSeconds}); every
 * metrics interval also a
 * {@code branchline.branch.link.down} metric (1 down, 0 up).
 * Every metrics interval, one {@code Metric} item per region for the latency estimate (ms), health (1/0/-1) and
 * breaker state (0 closed, 1 open, 2 half-open). Calls cancelled by the caller are not reported.
 *
 * <p><b>Delivery.</b> Listener methods only build a small record and offer it to a bounded queue: they never block
 * and never do I/O; when the queue is full the item is dropped and counted ({@code queue_full}). One daemon thread
 * batches by count, bytes and interval and posts. 200: done. 206: the items whose per-item status is 408, 429, 500
 * or 503 are resent (up to {@value Sender#MAX_PARTIAL_RESENDS} times, then spooled), the others dropped and counted.
 * 408, 429, 5xx and network errors: back off exponentially with jitter, never sooner than Retry-After, and spool the
 * batch; while backing off, new batches go straight to the spool. 400: dropped and counted. 401/403: spooled and
 * warned about. 402/439 (quota): dropped, counted and warned about. Each warning is logged once, then at debug.
 *
 * <p><b>Spool.</b> Batches that must wait are written to a folder (by default under {@code java.io.tmpdir}, named
 * after a hash of the instrumentation key) atomically and readable only by the owner, capped in bytes (the oldest
 * batches are dropped first, counted {@code spool_full}) and age ({@code spool_expired}), drained oldest first once
 * ingestion answers again, {@value Sender#SPOOL_FILES_PER_ROUND} files per round, also by a new exporter after a
 * restart. A file that cannot be read is renamed {@code *.corrupt} and skipped. Use one exporter per spool folder.
 *
 * <p><b>Sampling.</b> A fixed percentage, decided on the trace id with the Application Insights SDKs' score, so the
 * function side keeps the same operations; kept items carry {@code sampleRate}. Metrics are never sampled.
 *
 * <p><b>Secrets.</b> No function key, token, query string or connection string is written to any item, file name or
 * log line. {@link #close()} sends what it can within the close timeout and spools the rest.
 */
public final class AzureMonitorExporter extends CallListener implements MeterBinder, AutoCloseable {
    private static final ClientLogger LOGGER = new ClientLogger(AzureMonitorExporter.class);
    private static final String VERSION = readVersion();

    private final ConnectionString connectionString;
    private final double samplingPercentage;
    private final Duration closeTimeout;
    private final ArrayBlockingQueue<Object> queue;
    private final SelfCounters counters;
    private final DiskSpool spool;
    private final RegionTracker tracker;
    private final Envelopes envelopes;
    private final Sender sender;
    private final Thread thread;
    private final Map<String, Region> regions = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The transport built for this exporter (not one the application gave), closed with it. */
    private final AutoCloseable ownedTransport;
    private final Clock clock;

    private AzureMonitorExporter(Builder b, ConnectionString cs, HttpPipeline pipeline, AutoCloseable ownedTransport,
        String roleInstance, SpoolFolder folder) {
        this.connectionString = cs;
        this.ownedTransport = ownedTransport;
        this.samplingPercentage = b.samplingPercentage;
        this.closeTimeout = b.closeTimeout;
        this.queue = new ArrayBlockingQueue<>(b.queueCapacity + 1); // one slot for the wake-up marker
        this.counters = new SelfCounters();
        this.clock = b.clock;
        WarnOnce warnings = new WarnOnce(LOGGER, b.clock);
        this.spool = new DiskSpool(folder.dir, folder.orphanRoot, b.spoolMaxBytes, b.spoolMaxAge, b.clock, counters,
            warnings, LOGGER);
        if (folder.lock != null) {
            spool.holdLock(folder.channel, folder.lock);
        }
        this.tracker = new RegionTracker(b.regionStatus, warnings);
        this.envelopes = new Envelopes(cs.instrumentationKey(), b.roleName, roleInstance,
            "branchline-java:" + VERSION);
        this.sender = new Sender(queue, envelopes, spool, counters, warnings, LOGGER, pipeline, cs.trackUrl(), b.clock,
            tracker, b.maxBatchItems, b.maxBatchBytes, b.flushInterval, b.metricsInterval, b.requestTimeout);
        this.thread = new Thread(sender, "branchline-telemetry-sender");
        thread.setDaemon(true);
        if (b.meterRegistry != null) {
            bindTo(b.meterRegistry);
        }
        thread.start();
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding the {@code branchline.telemetry.*} settings of a properties file, for programs configured
     * only from one (every setting is listed in the README's configuration reference). The connection string comes
     * only from {@code branchline.telemetry.connection-string} here, never from the process environment: when it is
     * absent, {@link Builder#build()} fails saying so, unless {@link Builder#connectionString(String)} is called.
     * Use {@link #isConfigured(Properties)} to run without telemetry when it is absent:
     *
     * <pre>{@code
     * AzureMonitorExporter exporter = AzureMonitorExporter.isConfigured(properties)
     *     ? AzureMonitorExporter.fromProperties(properties).build() : null;
     * }</pre>
     *
     * Calls on the returned builder override what the properties said.
     *
     * @param properties the properties, such as those loaded from {@code branchline.properties}; copied
     * @return a pre-filled builder
     * @throws NullPointerException if {@code properties} is null
     * @throws IllegalArgumentException if a setting is malformed; the message names the setting, its value (never
     *     the connection string's) and the expected form
     */
    public static Builder fromProperties(Properties properties) {
        Objects.requireNonNull(properties, "properties");
        Builder b = TelemetrySettings.fromProperties(properties).toBuilder();
        b.network = FunctionClientBuilder.fromProperties(properties);
        return b;
    }

    /**
     * A builder holding the telemetry settings of the process environment; see {@link #fromEnvironment(Map)}.
     *
     * @return a pre-filled builder
     * @throws IllegalArgumentException if a setting is malformed; the message names the setting and its variable,
     *     its value (never the connection string's) and the expected form
     */
    public static Builder fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * A builder holding the telemetry settings of the given variables, such as an environment file the application
     * loaded itself, or a test's map: the connection string from {@value ConnectionString#ENVIRONMENT_VARIABLE},
     * the others as {@code BRANCHLINE_TELEMETRY_*} (the property names upper-cased, dots and dashes turned into
     * underscores, such as {@code BRANCHLINE_TELEMETRY_SPOOL_DIRECTORY}). When the connection string is absent,
     * {@link Builder#build()} fails saying so; see {@link #isConfiguredInEnvironment(Map)}.
     *
     * @param env variable names and values; copied
     * @return a pre-filled builder
     * @throws NullPointerException if {@code env} is null
     * @throws IllegalArgumentException if a setting is malformed; the message names the setting and its variable,
     *     its value (never the connection string's) and the expected form
     */
    public static Builder fromEnvironment(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        Builder b = TelemetrySettings.fromEnvironment(env).toBuilder();
        b.network = FunctionClientBuilder.fromEnvironment(env);
        return b;
    }

    /**
     * Whether the properties hold a connection string ({@code branchline.telemetry.connection-string}), so that a
     * program can run without telemetry when they do not. A present but malformed string counts as configured:
     * {@link #fromProperties(Properties)} then reports it.
     *
     * @param properties the properties
     * @return {@code true} when a non-blank connection string is set
     * @throws NullPointerException if {@code properties} is null
     */
    public static boolean isConfigured(Properties properties) {
        Objects.requireNonNull(properties, "properties");
        return TelemetrySettings.fromProperties(properties).configured();
    }

    /**
     * Whether the process environment holds a connection string ({@value ConnectionString#ENVIRONMENT_VARIABLE}).
     *
     * @return {@code true} when the variable is set and not blank
     */
    public static boolean isConfiguredInEnvironment() {
        return isConfiguredInEnvironment(System.getenv());
    }

    /**
     * Whether the given variables hold a connection string ({@value ConnectionString#ENVIRONMENT_VARIABLE}). A
     * present but malformed string counts as configured: {@link #fromEnvironment(Map)} then reports it.
     *
     * @param env variable names and values
     * @return {@code true} when the variable is set and not blank
     * @throws NullPointerException if {@code env} is null
     */
    public static boolean isConfiguredInEnvironment(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        return TelemetrySettings.fromEnvironment(env).configured();
    }

    // ---- listener events: fast, non-blocking, never throwing ----

    @Override
    public void attemptStart(CallInfo call, Region region, int attemptNumber, boolean hedge) {
        if (!regions.containsKey(region.name())) {
            regions.putIfAbsent(region.name(), region);
            tracker.touch(region.name());
        }
    }

    @Override
    public void attemptEnd(CallInfo call, Region region, Attempt attempt) {
        tracker.onAttempt(region.name(), attempt);
    }

    @Override
    public void breakerStateChanged(Region region, BreakerState from, BreakerState to) {
        tracker.onBreaker(region.name(), to);
    }

    @Override
    public void regionHealthChanged(Region region, RegionHealth from, RegionHealth to, String reason) {
        tracker.onHealth(region.name(), to);
    }

    /** A control change becomes one {@code customEvents} item; never sampled. */
    @Override
    public void controlChanged(io.branchline.core.models.ControlChange change) {
        try {
            offer(new ControlRecord(change.at(), change.source(), change.describe(), change.changes()));
        } catch (RuntimeException e) {
            LOGGER.verbose("telemetry: control change not recorded: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public void branchLinkDown(String reason) {
        tracker.onLink(true);
        offer(new EventRecord(clock.instant(), Envelopes.LINK_DOWN_EVENT, Map.of("reason", reason)));
    }

    @Override
    public void branchLinkRestored(Duration downFor) {
        tracker.onLink(false);
        offer(new EventRecord(clock.instant(), Envelopes.LINK_UP_EVENT,
            Map.of("downSeconds", Long.toString(downFor.toSeconds()))));
    }

    @Override
    public void callEnd(CallInfo call, FunctionResponse response) {
        try {
            if (!Sampling.keep(call.traceId(), samplingPercentage)) {
                return;
            }
            if (response.isStale()) {
                // every region failed: the dependency failed, and the answer given instead is marked
                failed(call, response.staleCause(), true, response.route().compact());
                return;
            }
            Region region = response.region();
            offer(new CallRecord(call.startTime(), call.traceId(), call.spanId(), call.parentSpanId(), name(call),
                url(region, call), region.host(), region.name(), Integer.toString(response.statusCode()), true,
                response.duration().toNanos(), response.attempts().size(), response.failedOver(), response.hedged(),
                samplingPercentage, region.isSlot() ? region.slotName() : CallRecord.PRODUCTION,
                response.route().compact(), false, null));
        } catch (RuntimeException e) {
            LOGGER.verbose("telemetry: call not recorded: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public void callFailed(CallInfo call, FunctionCallException error) {
        try {
            if (!Sampling.keep(call.traceId(), samplingPercentage)) {
                return;
            }
            failed(call, error, false, error.route().compact());
        } catch (RuntimeException e) {
            LOGGER.verbose("telemetry: call not recorded: " + e.getClass().getSimpleName());
        }
    }

    private void failed(CallInfo call, FunctionCallException error, boolean servedStale, String route) {
        List<Attempt> attempts = error.attempts();
        String regionName = error.region();
        if (regionName == null && !attempts.isEmpty()) {
            regionName = attempts.get(attempts.size() - 1).region();
        }
        Region region = regionName == null ? null : regions.get(regionName);
        String resultCode;
        if (error.statusCode() > 0) {
            resultCode = Integer.toString(error.statusCode());
        } else if (!attempts.isEmpty()) {
            resultCode = lastFailure(attempts).outcome().name();
        } else {
            resultCode = "NO_REGION";
        }
        Set<String> tried = new HashSet<>();
        boolean hedged = false;
        for (Attempt a : attempts) {
            tried.add(a.region());
            hedged |= a.hedged();
        }
        String target = region != null ? region.host() : regionName != null ? regionName : "branchline";
        String url = region != null ? url(region, call) : call.request().path();
        offer(new CallRecord(call.startTime(), call.traceId(), call.spanId(), call.parentSpanId(), name(call),
            url, target, regionName == null ? "none" : regionName, resultCode, false,
            System.nanoTime() - call.startNanos(), attempts.size(), tried.size() > 1, hedged,
            samplingPercentage, route, servedStale, servedStale ? firstLine(error.getMessage()) : null));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return null;
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    private static Attempt lastFailure(List<Attempt> attempts) {
        for (int i = attempts.size() - 1; i >= 0; i--) {
            if (attempts.get(i).outcome() != io.branchline.core.models.AttemptOutcome.CANCELLED) {
                return attempts.get(i);
            }
        }
        return attempts.get(attempts.size() - 1);
    }

    private void offer(Object record) {
        if (closed.get()) {
            counters.drop(SelfCounters.CLOSED, 1);
            return;
        }
        // the queue has one spare slot for the sender's wake-up marker: keep it free for flush and close
        if (queue.remainingCapacity() <= 1 || !queue.offer(record)) {
            counters.drop(SelfCounters.QUEUE_FULL, 1);
        }
    }

    private static String name(CallInfo call) {
        return call.request().method() + " " + call.request().route();
    }

    /** The call's URL without query string, fragment or user info: {@code https://host/api/orders/42}. */
    static String url(Region region, CallInfo call) {
        String base = region.baseUrl();
        int cut = base.length();
        for (char c : new char[] {'?', '#'}) {
            int i = base.indexOf(c);
            if (i >= 0 && i < cut) {
                cut = i;
            }
        }
        base = base.substring(0, cut);
        int scheme = base.indexOf("://");
        int at = base.indexOf('@');
        if (scheme >= 0 && at > scheme) {
            int slash = base.indexOf('/', scheme + 3);
            if (slash < 0 || at < slash) {
                base = base.substring(0, scheme + 3) + base.substring(at + 1);
            }
        }
        return base + call.request().path();
    }

    // ---- control ----

    /**
     * Same as {@link #flush(Duration)} with the close timeout.
     *
     * @return what the flush achieved
     */
    public FlushResult flush() {
        return flush(closeTimeout);
    }

    /**
     * Sends everything queued before this call and drains the spool, and returns when each item was accepted by
     * ingestion, spooled because ingestion is down, or dropped and counted; or when the timeout runs out. While the
     * exporter is backing off after a failure, a flush looks at ingestion at once rather than waiting (unless
     * ingestion asked to wait with Retry-After, which is honoured: the items are then spooled).
     *
     * @param timeout the longest wait
     * @return what happened to the telemetry: delivered, spooled and dropped counts, and whether it finished in time
     * @throws NullPointerException if {@code timeout} is null
     */
    public FlushResult flush(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        long accepted0 = counters.accepted.get();
        long dropped0 = counters.droppedTotal();
        CountDownLatch latch = sender.requestFlush();
        boolean completed;
        try {
            completed = latch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            completed = false;
        }
        return new FlushResult(counters.accepted.get() - accepted0, spool.items(),
            counters.droppedTotal() - dropped0, completed);
    }

    /**
     * What the exporter did so far.
     *
     * @return a snapshot of its counters
     */
    public ExporterStats stats() {
        return new ExporterStats(counters.sent.get(), counters.accepted.get(), counters.retried.get(),
            counters.spooled.get(), counters.droppedSnapshot(), Math.max(0, queue.size()), spool.files(),
            spool.bytes());
    }

    /**
     * The folder of the disk spool.
     *
     * @return the path
     */
    public Path spoolDirectory() {
        return spool.directory();
    }

    /** @return the instant (clock millis) before which the sender does not post, 0 when not backing off */
    long backoffUntilMillis() {
        return sender.backoffUntilMillis();
    }

    /**
     * Exposes the exporter's own counters ({@code branchline.telemetry.items} by result and reason) and its queue
     * and spool gauges on a registry.
     *
     * @param registry the application's registry
     * @throws NullPointerException if {@code registry} is null
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        counters.bindTo(registry);
        Gauge.builder(MetricNames.TELEMETRY_QUEUE, queue, q -> q.size())
            .description("Telemetry items waiting in memory").strongReference(true).register(registry);
        Gauge.builder(MetricNames.TELEMETRY_SPOOL_BYTES, spool, s -> s.bytes())
            .description("Bytes of telemetry waiting in the disk spool").baseUnit("bytes").strongReference(true)
            .register(registry);
    }

    /**
     * Stops taking telemetry, sends what is queued within the close timeout and spools whatever could not be sent,
     * the batch in flight included when ingestion does not answer in time. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        sender.requestClose(closeTimeout);
        boolean done = false;
        try {
            // the sender bounds its own requests by the close timeout; the grace covers spool writes
            done = sender.awaitFinished(closeTimeout.plusSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!done) {
            // The sender abandons requests in flight before the close timeout, so only a stuck disk gets here. Write
            // what is still queued ourselves; the sender thread is not interrupted (it may be writing a spool file).
            LOGGER.warning("Telemetry sender did not stop within " + closeTimeout + "; spooling what is left");
            List<byte[]> left = new ArrayList<>();
            Object o;
            while ((o = queue.poll()) != null) {
                if (o instanceof CallRecord c) {
                    left.add(envelopes.dependency(c));
                } else if (o instanceof MetricRecord m) {
                    left.add(envelopes.metric(m));
                } else if (o instanceof ControlRecord c) {
                    left.add(envelopes.controlEvent(c));
                } else if (o instanceof EventRecord e) {
                    left.add(envelopes.event(e));
                }
            }
            spool.write(left, 0);
        }
        spool.unlock();
        if (ownedTransport != null) {
            try {
                ownedTransport.close();
            } catch (Exception e) {
                LOGGER.verbose("telemetry: closing the transport failed: " + e.getClass().getSimpleName());
            }
        }
    }

    @Override
    public String toString() {
        return "AzureMonitorExporter{endpoint=" + connectionString.ingestionEndpoint() + ", spool=" + spool.directory()
            + ", closed=" + closed.get() + '}';
    }

    private static String readVersion() {
        try (InputStream in = AzureMonitorExporter.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank() && !v.startsWith("$")) {
                    return v.trim();
                }
            }
        } catch (IOException ignored) {
            // fall through
        }
        return "unknown";
    }

    static String hostName() {
        try {
            String h = InetAddress.getLocalHost().getHostName();
            if (h != null && !h.isBlank()) {
                return h;
            }
        } catch (IOException | RuntimeException ignored) {
            // fall back to the environment
        }
        for (String env : new String[] {"COMPUTERNAME", "HOSTNAME"}) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return "unknown";
    }

    /** The spool folder chosen at build, with its lock when one was taken. */
    private record SpoolFolder(Path dir, Path orphanRoot, java.nio.channels.FileChannel channel,
        java.nio.channels.FileLock lock) {
    }

    /**
     * Locks the configured folder, failing when another exporter holds it; or, for the default folder, takes it or,
     * when another process holds it, a per-process sub-folder of it.
     */
    private static SpoolFolder chooseSpoolFolder(Path configured, Path defaultFolder) {
        java.nio.channels.FileChannel[] ch = new java.nio.channels.FileChannel[1];
        java.nio.channels.FileLock[] l = new java.nio.channels.FileLock[1];
        if (configured != null) {
            if (DiskSpool.tryLock(configured, ch, l) == DiskSpool.LockResult.HELD_ELSEWHERE) {
                throw LOGGER.logExceptionAsError(new IllegalStateException("Telemetry spool folder " + configured
                    + " is in use by another AzureMonitorExporter, in this process or another (it holds the lock on "
                    + configured.resolve(DiskSpool.LOCK_FILE) + "): give each exporter its own folder with"
                    + " spoolDirectory(...) (branchline.telemetry.spool-directory), or close the other exporter first"));
            }
            return new SpoolFolder(configured, null, ch[0], l[0]);
        }
        Path dir = defaultFolder;
        while (DiskSpool.tryLock(dir, ch, l) == DiskSpool.LockResult.HELD_ELSEWHERE) {
            dir = defaultFolder.resolve(DiskSpool.processFolderName());
        }
        return new SpoolFolder(dir, defaultFolder, ch[0], l[0]);
    }

    static Path defaultSpoolDirectory(String instrumentationKey) {
        return defaultSpoolDirectory(Path.of(System.getProperty("java.io.tmpdir")), instrumentationKey);
    }

    static Path defaultSpoolDirectory(Path parent, String instrumentationKey) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(instrumentationKey.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                hex.append(String.format("%02x", d[i]));
            }
            return parent.resolve("branchline-telemetry-" + hex);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Builds an {@link AzureMonitorExporter}. Every setting has a default except the connection string, which
     * falls back to {@value ConnectionString#ENVIRONMENT_VARIABLE} (a builder from
     * {@link AzureMonitorExporter#fromProperties(Properties)} or {@link AzureMonitorExporter#fromEnvironment(Map)}
     * reads it from its own source only).
     */
    public static final class Builder {
        /** Default {@link #roleName(String)}: {@value}. */
        public static final String DEFAULT_ROLE_NAME = "branchline";
        /** Default {@link #queueCapacity(int)}: {@value} items. */
        public static final int DEFAULT_QUEUE_CAPACITY = 8192;
        /** Default {@link #maxBatchItems(int)}: {@value}. */
        public static final int DEFAULT_MAX_BATCH_ITEMS = 512;
        /** Default {@link #maxBatchBytes(long)}, uncompressed: {@value} bytes. */
        public static final long DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;
        /** Default {@link #spoolMaxBytes(long)}: {@value} bytes. */
        public static final long DEFAULT_SPOOL_MAX_BYTES = 50L * 1024 * 1024;
        /** Default {@link #flushInterval(Duration)}: 5 seconds. */
        public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(5);
        /** Default {@link #metricsInterval(Duration)}: 60 seconds. */
        public static final Duration DEFAULT_METRICS_INTERVAL = Duration.ofSeconds(60);
        /** Default {@link #spoolMaxAge(Duration)}: 48 hours. */
        public static final Duration DEFAULT_SPOOL_MAX_AGE = Duration.ofHours(48);
        /** Default {@link #closeTimeout(Duration)}: 5 seconds. */
        public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
        /** Default {@link #requestTimeout(Duration)}: 30 seconds. */
        public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

        private ConnectionString connectionString;
        private TokenCredential credential;
        private String roleName = DEFAULT_ROLE_NAME;
        private String roleInstance;
        private Path spoolDirectory;
        private long spoolMaxBytes = DEFAULT_SPOOL_MAX_BYTES;
        private Duration spoolMaxAge = DEFAULT_SPOOL_MAX_AGE;
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private int maxBatchItems = DEFAULT_MAX_BATCH_ITEMS;
        private long maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
        private Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
        private double samplingPercentage = 100.0;
        private Duration metricsInterval = DEFAULT_METRICS_INTERVAL;
        private Supplier<List<RegionStatus>> regionStatus;
        private Clock clock = Clock.systemUTC();
        private HttpClient httpClient;
        private HttpPipeline pipeline;
        /** Where the proxy, TLS and DNS settings come from when no HTTP client or pipeline is given. */
        FunctionClientBuilder network;
        /** Parent of the default spool folder; tests point it elsewhere. */
        Path defaultSpoolParent = Path.of(System.getProperty("java.io.tmpdir"));
        private MeterRegistry meterRegistry;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        /** Set by {@code fromProperties}/{@code fromEnvironment} without a connection string: the error to report. */
        String missingConnectionString;

        private Builder() {
        }

        /**
         * Sets the connection string.
         *
         * @param connectionString such as {@code InstrumentationKey=...;IngestionEndpoint=https://...}
         * @return this builder
         * @throws IllegalArgumentException if it is malformed (the message never shows the key)
         */
        public Builder connectionString(String connectionString) {
            this.connectionString = ConnectionString.parse(Objects.requireNonNull(connectionString,
                "connectionString"));
            return this;
        }

        /**
         * Sets the parsed connection string.
         *
         * @param connectionString the connection string
         * @return this builder
         */
        public Builder connectionString(ConnectionString connectionString) {
            this.connectionString = Objects.requireNonNull(connectionString, "connectionString");
            return this;
        }

        /**
         * Authenticates to ingestion with Entra ID (scope {@code https://monitor.azure.com//.default}, or the
         * connection string's AADAudience followed by {@code /.default}). Without it, the instrumentation key alone
         * identifies the resource. Ignored when a {@link #pipeline(HttpPipeline)} is given.
         *
         * @param credential such as a {@code ManagedIdentityCredential}
         * @return this builder
         */
        public Builder credential(TokenCredential credential) {
            this.credential = Objects.requireNonNull(credential, "credential");
            return this;
        }

        /**
         * Sets {@code ai.cloud.role}, the application's name in the application map.
         *
         * @param roleName such as {@code till-service}; default {@value #DEFAULT_ROLE_NAME}
         * @return this builder
         */
        public Builder roleName(String roleName) {
            this.roleName = nonBlank(roleName, "roleName");
            return this;
        }

        /**
         * Sets {@code ai.cloud.roleInstance} and the {@code branch} property: the branch office.
         *
         * @param roleInstance such as {@code branch-0042}; default the host name
         * @return this builder
         */
        public Builder roleInstance(String roleInstance) {
            this.roleInstance = nonBlank(roleInstance, "roleInstance");
            return this;
        }

        /**
         * Sets the spool folder. One exporter per folder: the exporter holds an OS lock on it
         * ({@code .lock}) while open, and {@link #build()} fails naming the folder when another exporter, in this
         * process or another, holds it. Without this setting the folder is
         * {@code ${java.io.tmpdir}/branchline-telemetry-<hash of the instrumentation key>}; when another process
         * holds that one, the exporter uses a per-process sub-folder of it, and whichever exporter opens the folder
         * next takes over the batches of sub-folders whose process has stopped.
         *
         * @param directory the folder, created if missing (owner-only)
         * @return this builder
         */
        public Builder spoolDirectory(Path directory) {
            this.spoolDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * Caps the spool's size; the oldest batches are dropped first.
         *
         * @param bytes at least {@link #maxBatchBytes(long)}; default {@value #DEFAULT_SPOOL_MAX_BYTES}
         * @return this builder
         */
        public Builder spoolMaxBytes(long bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("spoolMaxBytes must be at least 1024, was " + bytes);
            }
            this.spoolMaxBytes = bytes;
            return this;
        }

        /**
         * Caps the age of spooled telemetry; older batches are dropped.
         *
         * @param age positive; default 48 hours
         * @return this builder
         */
        public Builder spoolMaxAge(Duration age) {
            this.spoolMaxAge = positive(age, "spoolMaxAge");
            return this;
        }

        /**
         * Sets how many items wait in memory; beyond that, items are dropped and counted.
         *
         * @param capacity from 1 to 1,000,000; default {@value #DEFAULT_QUEUE_CAPACITY}
         * @return this builder
         */
        public Builder queueCapacity(int capacity) {
            if (capacity < 1 || capacity > 1_000_000) {
                throw new IllegalArgumentException("queueCapacity must be from 1 to 1000000, was " + capacity);
            }
            this.queueCapacity = capacity;
            return this;
        }

        /**
         * Sets the most items per request.
         *
         * @param items from 1 to 10,000; default {@value #DEFAULT_MAX_BATCH_ITEMS}
         * @return this builder
         */
        public Builder maxBatchItems(int items) {
            if (items < 1 || items > 10_000) {
                throw new IllegalArgumentException("maxBatchItems must be from 1 to 10000, was " + items);
            }
            this.maxBatchItems = items;
            return this;
        }

        /**
         * Sets the most uncompressed bytes per request (a single larger item is still sent alone).
         *
         * @param bytes from 1024 to 16 MiB; default {@value #DEFAULT_MAX_BATCH_BYTES}
         * @return this builder
         */
        public Builder maxBatchBytes(long bytes) {
            if (bytes < 1024 || bytes > 16L * 1024 * 1024) {
                throw new IllegalArgumentException("maxBatchBytes must be from 1024 to 16777216, was " + bytes);
            }
            this.maxBatchBytes = bytes;
            return this;
        }

        /**
         * Sets how long an incomplete batch waits for more items before it is sent.
         *
         * @param interval positive; default 5 seconds
         * @return this builder
         */
        public Builder flushInterval(Duration interval) {
            this.flushInterval = positive(interval, "flushInterval");
            return this;
        }

        /**
         * Keeps a fixed share of calls, decided on the trace id. Metrics are never sampled.
         *
         * @param percentage more than 0 and at most 100; default 100
         * @return this builder
         */
        public Builder samplingPercentage(double percentage) {
            if (!(percentage > 0 && percentage <= 100)) {
                throw new IllegalArgumentException("samplingPercentage must be more than 0 and at most 100, was "
                    + percentage);
            }
            this.samplingPercentage = percentage;
            return this;
        }

        /**
         * Sets how often region metrics are sent.
         *
         * @param interval positive, or zero to send none; default 60 seconds
         * @return this builder
         */
        public Builder metricsInterval(Duration interval) {
            Objects.requireNonNull(interval, "metricsInterval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("metricsInterval must be zero (off) or positive, was " + interval);
            }
            this.metricsInterval = interval;
            return this;
        }

        /**
         * Reads region metrics from the router, such as {@code client::regionStatus}; without it they follow
         * listener events. Read on the exporter's thread.
         *
         * @param regionStatus the supplier
         * @return this builder
         */
        public Builder regionStatus(Supplier<List<RegionStatus>> regionStatus) {
            this.regionStatus = Objects.requireNonNull(regionStatus, "regionStatus");
            return this;
        }

        /**
         * Sets the clock for metric timestamps, backoff deadlines and spool ages.
         *
         * @param clock the clock; default UTC system clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sends telemetry over the same network as the calls of clients this builder makes: the same proxy (with
         * credentials and non-proxy hosts), TLS trust, client certificate, DNS refresh and transport timeouts, read
         * from the client builder and its properties, environment or {@code Configuration} as the client reads them.
         * Use the builder the client is built from:
         *
         * <pre>{@code
         * FunctionClientBuilder clientBuilder = FunctionClientBuilder.fromProperties(properties);
         * AzureMonitorExporter exporter = AzureMonitorExporter.builder()
         *     .connectionString(cs).network(clientBuilder).build();
         * FunctionClient client = clientBuilder.addListener(exporter).buildClient();
         * }</pre>
         *
         * Without it, the exporter reads the same {@code branchline.*} proxy, TLS and DNS settings itself: from the
         * properties or variables given to {@link AzureMonitorExporter#fromProperties(Properties)} or
         * {@link AzureMonitorExporter#fromEnvironment(Map)}, else from the global {@code Configuration} (environment
         * variables and system properties). {@link #httpClient(HttpClient)} and {@link #pipeline(HttpPipeline)} win
         * over it.
         *
         * @param clientBuilder the builder of the client whose network to share; read when {@link #build()} runs
         * @return this builder
         */
        public Builder network(FunctionClientBuilder clientBuilder) {
            this.network = Objects.requireNonNull(clientBuilder, "clientBuilder");
            return this;
        }

        /**
         * Sets the HTTP client; it replaces the proxy, TLS and DNS settings of {@link #network(FunctionClientBuilder)}.
         * Default: the same transport as a Branchline client's (see {@code network}).
         *
         * @param httpClient the client
         * @return this builder
         */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
            return this;
        }

        /**
         * Sets the whole pipeline; it overrides {@link #httpClient(HttpClient)} and {@link #credential(TokenCredential)}.
         *
         * @param pipeline the pipeline
         * @return this builder
         */
        public Builder pipeline(HttpPipeline pipeline) {
            this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
            return this;
        }

        /**
         * Exposes the exporter's counters on a registry (same as calling {@code bindTo} after build).
         *
         * @param registry the application's registry
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Sets how long {@link AzureMonitorExporter#close()} may take to send what is queued before spooling it.
         *
         * @param timeout positive; default 5 seconds
         * @return this builder
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = positive(timeout, "closeTimeout");
            return this;
        }

        /**
         * Sets how long one ingestion request may take.
         *
         * @param timeout positive; default 30 seconds
         * @return this builder
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * Builds the exporter and starts its sender thread.
         *
         * @return the exporter; close it when the application stops
         * @throws IllegalStateException if no connection string was set and the environment has none (a builder
         *     from {@code fromProperties} or {@code fromEnvironment} looks nowhere else), or settings conflict
         */
        public AzureMonitorExporter build() {
            ConnectionString cs = connectionString;
            if (cs == null && missingConnectionString != null) {
                throw new IllegalStateException(missingConnectionString);
            }
            if (cs == null) {
                String env = System.getenv(ConnectionString.ENVIRONMENT_VARIABLE);
                if (env == null || env.isBlank()) {
                    throw new IllegalStateException("No connection string: call connectionString(...) or set the"
                        + " environment variable " + ConnectionString.ENVIRONMENT_VARIABLE);
                }
                cs = ConnectionString.parse(env);
            }
            if (spoolMaxBytes < maxBatchBytes) {
                throw new IllegalStateException("spoolMaxBytes (" + spoolMaxBytes + ") is smaller than maxBatchBytes ("
                    + maxBatchBytes + "): raise spoolMaxBytes or lower maxBatchBytes");
            }
            if (closeTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalStateException("closeTimeout " + closeTimeout + " would hold shutdown too long:"
                    + " use at most 5 minutes; spooled telemetry is sent after the restart anyway");
            }
            HttpPipeline p = pipeline;
            AutoCloseable owned = null;
            if (p == null) {
                List<HttpPipelinePolicy> policies = new ArrayList<>();
                // An empty User-Agent, as Microsoft's exporters send: ingestion would otherwise store the sender's
                // agent as the client browser of every item. The SDK and its version travel in ai.internal.sdkVersion.
                policies.add((context, next) -> {
                    context.getHttpRequest().setHeader(HttpHeaderName.USER_AGENT, "");
                    return next.process();
                });
                if (credential != null) {
                    policies.add(new BearerTokenAuthenticationPolicy(credential, cs.tokenScope()));
                }
                policies.add(new HttpLogPolicy());
                HttpClient http = httpClient;
                if (http == null) {
                    http = (network != null ? network : new FunctionClientBuilder()).buildHttpClient();
                    owned = http instanceof AutoCloseable c ? c : null;
                }
                p = new HttpPipelineBuilder().httpClient(http)
                    .policies(policies.toArray(new HttpPipelinePolicy[0])).build();
            }
            String instance = roleInstance != null ? roleInstance : hostName();
            SpoolFolder folder = chooseSpoolFolder(spoolDirectory, spoolDirectory != null ? null
                : defaultSpoolDirectory(defaultSpoolParent, cs.instrumentationKey()));
            return new AzureMonitorExporter(this, cs, p, owned, instance, folder);
        }

        /** Goes back to the default spool folder. For tests. */
        void spoolDirectoryDefault() {
            this.spoolDirectory = null;
        }

        /** The settings held, without secrets. For tests. */
        String describe() {
            return "Builder{endpoint=" + (connectionString == null ? null : connectionString.ingestionEndpoint())
                + ", roleName=" + roleName + ", roleInstance=" + roleInstance + ", spoolDirectory=" + spoolDirectory
                + ", spoolMaxBytes=" + spoolMaxBytes + ", samplingPercentage=" + samplingPercentage
                + ", flushInterval=" + flushInterval + ", metricsInterval=" + metricsInterval + '}';
        }

        private static String nonBlank(String value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
            return value;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }
    }
}
