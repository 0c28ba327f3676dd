package io.branchline.telemetry;

import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.CallInfo;
import io.branchline.core.CallListener;
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionResponse;
import io.branchline.core.Region;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;
import io.branchline.core.models.RegionStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Records Branchline calls and regions as Micrometer meters: both a {@link CallListener} (add it to the client) and
 * a {@link MeterBinder} (bind it to your registry; no global registry is ever used).
 *
 * <pre>{@code
 * BranchlineMetrics metrics = BranchlineMetrics.create();
 * metrics.bindTo(meterRegistry);
 * FunctionClient client = new FunctionClientBuilder()...addListener(metrics).buildClient();
 * }</pre>
 *
 * <p>Meters, named in {@link MetricNames}: the {@code branchline.calls} timer, the {@code branchline.attempts},
 * {@code branchline.failovers}, {@code branchline.hedges}, breaker-transition and health-change counters, and per
 * region the latency estimate, health (1/0/-1) and breaker state (0 closed, 1 open, 2 half-open) gauges. Gauges read
 * the router's own view when a region status supplier is given ({@link #create(Supplier)} with
 * {@code client::regionStatus}); otherwise they follow listener events. Probe results are not yet reported by the
 * listener SPI, so they are visible only through health changes.
 *
 * <p>Events before {@link #bindTo(MeterRegistry)} are not recorded. Thread-safe; every event is fast and never
 * throws.
 */
public final class BranchlineMetrics extends CallListener implements MeterBinder {
    private static final ClientLogger LOGGER = new ClientLogger(BranchlineMetrics.class);

    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final RegionTracker tracker;
    private final Set<String> gaugedRegions = ConcurrentHashMap.newKeySet();

    private BranchlineMetrics(Supplier<List<RegionStatus>> regionStatus) {
        this.tracker = new RegionTracker(regionStatus, new WarnOnce(LOGGER));
    }

    /**
     * Creates metrics whose region gauges follow listener events.
     *
     * @return the metrics; bind them to a registry and add them to a client as a listener
     */
    public static BranchlineMetrics create() {
        return new BranchlineMetrics(null);
    }

    /**
     * Creates metrics whose region gauges read the router's view, such as {@code client::regionStatus}.
     *
     * @param regionStatus supplies one status per region; read when gauges are read, at most twice a second
     * @return the metrics
     * @throws NullPointerException if {@code regionStatus} is null
     */
    public static BranchlineMetrics create(Supplier<List<RegionStatus>> regionStatus) {
        return new BranchlineMetrics(Objects.requireNonNull(regionStatus, "regionStatus"));
    }

    /**
     * Binds the meters to a registry. May be called for several registries.
     *
     * @param registry the application's registry
     * @throws NullPointerException if {@code registry} is null
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        registries.add(registry);
        for (RegionStatus r : tracker.snapshot()) {
            registerGauges(registry, r.region());
        }
        for (String region : gaugedRegions) {
            registerGauges(registry, region);
        }
    }

    @Override
    public void attemptStart(CallInfo call, Region region, int attemptNumber, boolean hedge) {
        ensureGauges(region.name());
    }

    @Override
    public void attemptEnd(CallInfo call, Region region, Attempt attempt) {
        tracker.onAttempt(region.name(), attempt);
        for (MeterRegistry r : registries) {
            Counter.builder(MetricNames.ATTEMPTS).description("Attempts of Branchline calls, by region and outcome")
                .tag(MetricNames.TAG_REGION, region.name())
                .tag(MetricNames.TAG_OUTCOME, attempt.outcome().name().toLowerCase(Locale.ROOT))
                .register(r).increment();
        }
    }

    @Override
    public void failover(CallInfo call, Region from, Region to, Attempt cause) {
        for (MeterRegistry r : registries) {
            Counter.builder(MetricNames.FAILOVERS).description("Calls moved to another region after a failed attempt")
                .tag(MetricNames.TAG_FROM, from.name()).tag(MetricNames.TAG_TO, to.name()).register(r).increment();
        }
    }

    @Override
    public void hedge(CallInfo call, Region primary, Region hedge) {
        for (MeterRegistry r : registries) {
            Counter.builder(MetricNames.HEDGES).description("Hedged attempts sent while another was in flight")
                .tag(MetricNames.TAG_FROM, primary.name()).tag(MetricNames.TAG_TO, hedge.name()).register(r)
                .increment();
        }
    }

    @Override
    public void callEnd(CallInfo call, FunctionResponse response) {
        recordCall(call, response.region().name(), "success", response.statusCode(), response.duration());
    }

    @Override
    public void callFailed(CallInfo call, FunctionCallException error) {
        String region = error.region() == null ? "none" : error.region();
        recordCall(call, region, "failure", error.statusCode(),
            Duration.ofNanos(System.nanoTime() - call.startNanos()));
    }

    @Override
    public void breakerStateChanged(Region region, BreakerState from, BreakerState to) {
        tracker.onBreaker(region.name(), to);
        ensureGauges(region.name());
        for (MeterRegistry r : registries) {
            Counter.builder(MetricNames.BREAKER_TRANSITIONS).description("Circuit breaker transitions")
                .tag(MetricNames.TAG_REGION, region.name())
                .tag(MetricNames.TAG_STATE, to.name().toLowerCase(Locale.ROOT)).register(r).increment();
        }
    }

    @Override
    public void probeCompleted(Region region, io.branchline.core.models.ProbeResult result) {
        for (MeterRegistry r : registries) {
            Counter.builder(MetricNames.PROBES).description("Health probes sent by the router, by region and outcome")
                .tag(MetricNames.TAG_REGION, region.name())
                .tag(MetricNames.TAG_OUTCOME, result.outcome().name().toLowerCase(Locale.ROOT))
                .tag(MetricNames.TAG_STATUS, result.statusCode() == 0 ? "none" : (result.statusCode() / 100) + "xx")
                .register(r).increment();
        }
    }

    @Override
    public void regionHealthChanged(Region region, RegionHealth from, RegionHealth to, String reason) {
        tracker.onHealth(region.name(), to);
        ensureGauges(region.name());
        for (MeterRegistry r : registries) {
            Counter.builder(MetricNames.REGION_HEALTH_CHANGES).description("Changes of a region's health")
                .tag(MetricNames.TAG_REGION, region.name())
                .tag(MetricNames.TAG_HEALTH, to.name().toLowerCase(Locale.ROOT)).register(r).increment();
        }
    }

    private void recordCall(CallInfo call, String region, String outcome, int status, Duration duration) {
        for (MeterRegistry r : registries) {
            Timer.builder(MetricNames.CALLS).description("Branchline function calls, every attempt included")
                .tag(MetricNames.TAG_REGION, region)
                .tag(MetricNames.TAG_FUNCTION, call.request().route())
                .tag(MetricNames.TAG_METHOD, call.request().method().toString())
                .tag(MetricNames.TAG_OUTCOME, outcome)
                .tag(MetricNames.TAG_STATUS, MetricNames.statusClass(status))
                .register(r).record(duration);
        }
    }

    private void ensureGauges(String region) {
        if (gaugedRegions.add(region)) {
            tracker.touch(region);
            for (MeterRegistry r : registries) {
                registerGauges(r, region);
            }
        }
    }

    private void registerGauges(MeterRegistry registry, String region) {
        gaugedRegions.add(region);
        TimeGauge.builder(MetricNames.REGION_LATENCY, tracker,
                TimeUnit.MILLISECONDS, t -> RegionTracker.latencyMillis(t.status(region)))
            .description("The router's smoothed latency estimate of the region")
            .tag(MetricNames.TAG_REGION, region).strongReference(true).register(registry);
        Gauge.builder(MetricNames.REGION_HEALTH, tracker, t -> RegionTracker.healthValue(t.status(region).health()))
            .description("Region health: 1 healthy, 0 unknown, -1 unhealthy")
            .tag(MetricNames.TAG_REGION, region).strongReference(true).register(registry);
        Gauge.builder(MetricNames.BREAKER_STATE, tracker, t -> RegionTracker.breakerValue(t.status(region).breaker()))
            .description("Circuit breaker state: 0 closed, 1 open, 2 half-open, -1 none")
            .tag(MetricNames.TAG_REGION, region).strongReference(true).register(registry);
    }

    @Override
    public String toString() {
        return "BranchlineMetrics{registries=" + registries.size() + ", regions=" + gaugedRegions + '}';
    }
}
