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
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.http.Outcome;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Records Branchline calls and regions as Micrometer meters: both a {@link CallListener} (add it to the client) and
 * a {@link MeterBinder} (bind it to your registry; no global registry is ever used).
 *
 * <p>Created before the client, in one step with it:
 *
 * <pre>{@code
 * BranchlineMetrics metrics = BranchlineMetrics.create("orders");
 * metrics.bindTo(meterRegistry);
 * FunctionClient client = new FunctionClientBuilder()...addListener(metrics).buildClient();
 * }</pre>
 *
 * <p>Meters, named in {@link MetricNames}, every one tagged {@code client} with the name given at creation so that
 * two clients on one registry stay apart: the {@code branchline.calls} timer (tags {@code region}, {@code function},
 * {@code method}, {@code outcome}, {@code status}), the {@code branchline.attempts}, {@code branchline.failovers},
 * {@code branchline.hedges}, {@code branchline.probes}, breaker-transition and health-change counters, and per region
 * the latency estimate, health (1/0/-1) and breaker state (0 closed, 1 open, 2 half-open) gauges, which follow the
 * listener events (attempts and probes for latency, the router's breaker and health changes).
 *
 * <p>The call timer's {@code outcome} follows Micrometer's HTTP client convention ({@code SUCCESS},
 * {@code CLIENT_ERROR}, {@code SERVER_ERROR}, {@code REDIRECTION}, {@code INFORMATIONAL}, or {@code UNKNOWN} when no
 * region answered). Its {@code function} tag is the request's route template, such as {@code /api/orders/{id}}, or
 * {@code UNKNOWN} for a route that holds an id (a path built by hand, such as {@code /api/orders/42}) and once
 * {@value #MAX_FUNCTIONS} routes were seen, so a raw path never becomes a tag.
 *
 * <p>Events before {@link #bindTo(MeterRegistry)} are not recorded. Thread-safe; every event is fast and never
 * throws.
 */
public final class BranchlineMetrics extends CallListener implements MeterBinder {
    private static final ClientLogger LOGGER = new ClientLogger(BranchlineMetrics.class);

    /** The {@code client} tag of {@link #create()}: {@value}. */
    public static final String DEFAULT_CLIENT = "default";
    /** Distinct {@code function} tag values kept before further routes are tagged {@code UNKNOWN}: {@value}. */
    public static final int MAX_FUNCTIONS = 200;
    /** The {@code function} tag of a route that is no template. */
    static final String UNKNOWN = "UNKNOWN";
    private static final Pattern ID_SEGMENT = Pattern.compile(
        "\\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{16,}|.*[=@;:,].*");

    private final String client;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final RegionTracker tracker;
    private final Set<String> gaugedRegions = ConcurrentHashMap.newKeySet();
    private final Map<String, String> functions = new ConcurrentHashMap<>();
    private final WarnOnce warnings = new WarnOnce(LOGGER);

    private BranchlineMetrics(String client) {
        this.client = client;
        this.tracker = new RegionTracker(null, warnings);
    }

    /**
     * Creates metrics tagged {@code client=}{@value #DEFAULT_CLIENT}, whose region gauges follow listener events.
     *
     * @return the metrics; bind them to a registry and add them to a client as a listener
     */
    public static BranchlineMetrics create() {
        return create(DEFAULT_CLIENT);
    }

    /**
     * Creates metrics for one client, whose meters carry its name as the {@code client} tag; the region gauges
     * follow listener events, so the metrics can be created, bound and added before the client is built.
     *
     * @param client a short name of the client, such as {@code orders}; one metrics object per client
     * @return the metrics; bind them to a registry and add them to the client's builder as a listener
     * @throws NullPointerException if {@code client} is null
     * @throws IllegalArgumentException if {@code client} is blank
     */
    public static BranchlineMetrics create(String client) {
        Objects.requireNonNull(client, "client");
        if (client.isBlank()) {
            throw new IllegalArgumentException("client must not be blank: use a short name such as 'orders'");
        }
        return new BranchlineMetrics(client.trim());
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
        Gauge.builder(MetricNames.BRANCH_LINK_DOWN, tracker, t -> t.linkDown() ? 1 : 0)
            .description("The branch's own link to Azure: 1 down (every region refused connections at once), 0 up")
            .tag(MetricNames.TAG_CLIENT, client).strongReference(true).register(registry);
        for (io.branchline.core.models.RegionStatus r : tracker.snapshot()) {
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
                .tag(MetricNames.TAG_CLIENT, client).tag(MetricNames.TAG_REGION, region.name())
                .tag(MetricNames.TAG_OUTCOME, attempt.outcome().name().toLowerCase(Locale.ROOT))
                .register(r).increment();
        }
    }

    @Override
    public void failover(CallInfo call, Region from, Region to, Attempt cause) {
        for (MeterRegistry r : registries) {
            Counter.builder(MetricNames.FAILOVERS).description("Calls moved to another region after a failed attempt")
                .tag(MetricNames.TAG_CLIENT, client).tag(MetricNames.TAG_FROM, from.name()).tag(MetricNames.TAG_TO, to.name()).register(r).increment();
        }
    }

    @Override
    public void hedge(CallInfo call, Region primary, Region hedge) {
        for (MeterRegistry r : registries) {
            Counter.builder(MetricNames.HEDGES).description("Hedged attempts sent while another was in flight")
                .tag(MetricNames.TAG_CLIENT, client).tag(MetricNames.TAG_FROM, primary.name()).tag(MetricNames.TAG_TO, hedge.name()).register(r)
                .increment();
        }
    }

    @Override
    public void callEnd(CallInfo call, FunctionResponse response) {
        recordCall(call, response.region().name(), response.statusCode(), response.duration());
    }

    @Override
    public void callFailed(CallInfo call, FunctionCallException error) {
        String region = error.region() == null ? "none" : error.region();
        recordCall(call, region, error.statusCode(), Duration.ofNanos(System.nanoTime() - call.startNanos()));
    }

    @Override
    public void staleServed(CallInfo call, FunctionResponse stale, FunctionCallException error) {
        String outcome = error.statusCode() > 0 ? MetricNames.statusClass(error.statusCode())
            : error.attempts().isEmpty() ? "no_region"
            : error.attempts().get(error.attempts().size() - 1).outcome().name().toLowerCase(Locale.ROOT);
        String function = function(call.request().route());
        for (MeterRegistry r : registries) {
            Counter.builder(MetricNames.STALE_SERVED)
                .description("Calls answered from the stale-if-error cache because every region failed")
                .tag(MetricNames.TAG_CLIENT, client).tag(MetricNames.TAG_FUNCTION, function)
                .tag(MetricNames.TAG_METHOD, call.request().method().toString())
                .tag(MetricNames.TAG_OUTCOME, outcome).register(r).increment();
        }
    }

    @Override
    public void branchLinkDown(String reason) {
        tracker.onLink(true);
    }

    @Override
    public void branchLinkRestored(Duration downFor) {
        tracker.onLink(false);
    }

    @Override
    public void breakerStateChanged(Region region, BreakerState from, BreakerState to) {
        tracker.onBreaker(region.name(), to);
        ensureGauges(region.name());
        for (MeterRegistry r : registries) {
            Counter.builder(MetricNames.BREAKER_TRANSITIONS).description("Circuit breaker transitions")
                .tag(MetricNames.TAG_CLIENT, client).tag(MetricNames.TAG_REGION, region.name())
                .tag(MetricNames.TAG_STATE, to.name().toLowerCase(Locale.ROOT)).register(r).increment();
        }
    }

    @Override
    public void probeCompleted(Region region, io.branchline.core.models.ProbeResult result) {
        if (result.statusCode() >= 200 && result.statusCode() < 300) {
            tracker.onProbe(region.name(), result.latency());
        }
        ensureGauges(region.name());
        for (MeterRegistry r : registries) {
            Counter.builder(MetricNames.PROBES).description("Health probes sent by the router, by region and outcome")
                .tag(MetricNames.TAG_CLIENT, client).tag(MetricNames.TAG_REGION, region.name())
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
                .tag(MetricNames.TAG_CLIENT, client).tag(MetricNames.TAG_REGION, region.name())
                .tag(MetricNames.TAG_HEALTH, to.name().toLowerCase(Locale.ROOT)).register(r).increment();
        }
    }

    private void recordCall(CallInfo call, String region, int status, Duration duration) {
        String outcome = status >= 100 && status < 600 ? Outcome.forStatus(status).name() : Outcome.UNKNOWN.name();
        String function = function(call.request().route());
        for (MeterRegistry r : registries) {
            Timer.builder(MetricNames.CALLS).description("Branchline function calls, every attempt included")
                .tag(MetricNames.TAG_CLIENT, client)
                .tag(MetricNames.TAG_REGION, region)
                .tag(MetricNames.TAG_FUNCTION, function)
                .tag(MetricNames.TAG_METHOD, call.request().method().toString())
                .tag(MetricNames.TAG_OUTCOME, outcome)
                .tag(MetricNames.TAG_STATUS, MetricNames.statusClass(status))
                .register(r).record(duration);
        }
    }

    /** The route template, or UNKNOWN for a route holding an id, and for every new route beyond the cap. */
    String function(String route) {
        String known = functions.get(route);
        if (known != null) {
            return known;
        }
        String tag = route;
        if (route.indexOf('{') < 0) {
            for (String segment : route.split("/")) {
                if (!segment.isEmpty() && ID_SEGMENT.matcher(segment).matches()) {
                    tag = UNKNOWN;
                    break;
                }
            }
        }
        if (functions.size() >= MAX_FUNCTIONS) {
            warnings.warn("functions", "More than " + MAX_FUNCTIONS + " distinct routes: further ones are tagged "
                + UNKNOWN + "; build requests from route templates, such as FunctionRequest.get(\"/api/orders/{id}\")"
                + ".pathParam(\"id\", id)");
            return UNKNOWN;
        }
        functions.putIfAbsent(route, tag);
        return tag;
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
            .tag(MetricNames.TAG_CLIENT, client).tag(MetricNames.TAG_REGION, region).strongReference(true).register(registry);
        Gauge.builder(MetricNames.REGION_HEALTH, tracker, t -> RegionTracker.healthValue(t.status(region).health()))
            .description("Region health: 1 healthy, 0 unknown, -1 unhealthy")
            .tag(MetricNames.TAG_CLIENT, client).tag(MetricNames.TAG_REGION, region).strongReference(true).register(registry);
        Gauge.builder(MetricNames.BREAKER_STATE, tracker, t -> RegionTracker.breakerValue(t.status(region).breaker()))
            .description("Circuit breaker state: 0 closed, 1 open, 2 half-open, -1 none")
            .tag(MetricNames.TAG_CLIENT, client).tag(MetricNames.TAG_REGION, region).strongReference(true).register(registry);
    }

    @Override
    public String toString() {
        return "BranchlineMetrics{client=" + client + ", registries=" + registries.size() + ", regions=" + gaugedRegions + '}';
    }
}
