package io.branchline.core;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.ProxyOptions;
import com.azure.core.http.policy.AddHeadersPolicy;
import com.azure.core.http.policy.BearerTokenAuthenticationPolicy;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.HttpLoggingPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.core.util.Configuration;
import com.azure.core.util.Context;
import com.azure.core.util.Header;
import com.azure.core.util.UserAgentUtil;
import com.azure.core.util.logging.ClientLogger;
import io.branchline.core.models.Attempt;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.ProbeResult;
import io.branchline.core.models.TimeoutOptions;
import reactor.core.publisher.Mono;
import reactor.netty.resources.ConnectionProvider;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Everything a built client holds: resolved settings, the pipeline, the router, listeners and the scheduler. */
final class ClientCore implements AutoCloseable {
    private static final ClientLogger LOGGER = new ClientLogger(ClientCore.class);
    static final String SDK_NAME = "branchline";
    static final String SDK_VERSION = Version.VALUE;
    static final HttpHeaderName FUNCTIONS_KEY = HttpHeaderName.fromString("x-functions-key");
    static final HttpHeaderName TRACEPARENT = HttpHeaderName.fromString("traceparent");
    static final HttpHeaderName COLD_START = HttpHeaderName.fromString(Attempt.COLD_START_HEADER);

    final List<Region> regions;
    final java.util.function.Supplier<String> defaultKey;
    final TimeoutOptions timeouts;
    final FailoverOptions failover;
    /** {@link FailoverOptions#hedgeFloor()} in nanoseconds: an answer slower than this may be a cold start's. */
    final long hedgeFloorNanos;
    final long maxResponseBytes;
    final HttpPipeline pipeline;
    final RegionRouter router;
    final CallListener listener;
    final Clock clock;
    /** This client's share of the process-wide scheduler: the router's probes and other background work. */
    final ClientScheduler scheduler;
    /** Deadlines and timers on the client's clock, armed on the process-wide timer wheel. */
    final ClientTime time;
    private final SharedTimers.Lease lease;
    /** Calls in flight, so that close() can end them. */
    final Set<CallExecutor.Call> calls = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final FailureLog failureLog;
    final RetryBudget budget;
    final CallExecutor executor;
    /** Stale-if-error, or null when the client has it off (a request turning it on makes it then). */
    private volatile StaleIfError stale;
    private final StaleSetup staleSetup;
    /** The User-Agent set on every request, or null when the user's own pipeline decides. */
    private final String userAgent;
    /** The transport, when the pipeline would add nothing to it; else null. */
    private final com.azure.core.http.HttpClient direct;
    private final ConnectionProvider ownedProvider;
    /** What modules wired from settings created for this client (an exporter, say): closed with it. */
    private final List<AutoCloseable> resources;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ClientCore(FunctionClientBuilder b, List<Region> regions, HttpPipeline pipeline, ConnectionProvider ownedProvider,
        Extensions.Wiring wiring) {
        this.regions = regions;
        String key = b.functionKey;
        this.defaultKey = key != null ? () -> key : b.functionKeySource;
        this.timeouts = b.timeouts == null ? TimeoutOptions.DEFAULT : b.timeouts;
        FailoverOptions f = b.failover == null ? FailoverOptions.DEFAULT : b.failover;
        if (b.failover == null && b.retryOptions != null && b.retryOptions.getExponentialBackoffOptions() != null
            && b.retryOptions.getExponentialBackoffOptions().getMaxRetries() != null) {
            f = f.toBuilder().maxAttempts(Math.min(10, b.retryOptions.getExponentialBackoffOptions().getMaxRetries() + 1)).build();
        } else if (b.failover == null && b.retryOptions != null && b.retryOptions.getFixedDelayOptions() != null) {
            f = f.toBuilder().maxAttempts(Math.min(10, b.retryOptions.getFixedDelayOptions().getMaxRetries() + 1)).build();
        }
        this.failover = f;
        this.hedgeFloorNanos = f.hedgeFloor().toNanos();
        this.maxResponseBytes = b.maxResponseBytes == null ? FunctionClientBuilder.DEFAULT_MAX_RESPONSE_BYTES : b.maxResponseBytes;
        this.pipeline = pipeline;
        // Our own pipeline sends the User-Agent as a request header rather than through UserAgentPolicy, and when
        // it holds no policy at all, attempts go straight to its HttpClient: each pipeline step costs every attempt.
        this.userAgent = b.pipeline != null ? null : UserAgentUtil.toUserAgentString(
            b.clientOptions == null ? null : b.clientOptions.getApplicationId(), SDK_NAME, SDK_VERSION, Configuration.NONE);
        this.direct = b.pipeline == null && pipeline.getPolicyCount() == 0 ? pipeline.getHttpClient() : null;
        this.ownedProvider = ownedProvider;
        this.clock = b.clock == null ? Clock.systemUTC() : b.clock;
        // before anything that must be released: a missing cache fails the build here
        this.staleSetup = new StaleSetup(b.staleIfError, b.staleMaxEntries == null
            ? FunctionClientBuilder.DEFAULT_STALE_MAX_ENTRIES : b.staleMaxEntries,
            b.staleMaxBytes == null ? FunctionClientBuilder.DEFAULT_STALE_MAX_BYTES : b.staleMaxBytes,
            Boolean.TRUE.equals(b.staleCacheAuthorized), b.staleCache);
        if (b.staleIfError != null && !b.staleIfError.isZero()) {
            this.stale = staleSetup.create(clock);
        }
        this.listener = CallListener.compose(wiring.allListeners());
        this.resources = wiring.resources();
        this.lease = SharedTimers.acquire();
        this.scheduler = new ClientScheduler(lease.scheduler);
        this.time = new ClientTime(clock, lease.wheel);
        this.failureLog = new FailureLog(time);
        this.budget = new RetryBudget(failover.retryBudgetRatio(), failover.retryBudgetFloor(), time.nanoTime());
        this.router = wiring.router() == null ? RegionRouter.inOrder() : wiring.router();
        this.executor = new CallExecutor(this);
    }

    /** What a stale-if-error cache is made from, kept so a request can turn it on later. */
    private record StaleSetup(Duration maxStale, long maxEntries, long maxBytes, boolean authorized,
        io.branchline.core.spi.StaleResponseCache given) {
        StaleIfError create(Clock clock) {
            io.branchline.core.spi.StaleResponseCache cache = given;
            if (cache == null) {
                for (io.branchline.core.spi.ClientExtension e : Extensions.loaded()) {
                    cache = e.staleResponseCache(maxEntries, maxBytes, clock);
                    if (cache != null) {
                        break;
                    }
                }
            }
            if (cache == null) {
                throw new IllegalStateException("Stale-if-error (staleIfError, branchline.stale-if-error) needs a"
                    + " response cache: add io.branchline:branchline-routing to the class path, which keeps it in"
                    + " Caffeine");
            }
            return new StaleIfError(cache, maxStale == null || maxStale.isZero() ? null : maxStale, authorized, clock);
        }
    }

    /**
     * Stale-if-error for a request: the client's, or one made when a request asks for it first. Null when neither
     * the client nor the request turned it on: one field read and one null check on the normal path.
     */
    StaleIfError stale(FunctionRequest request) {
        StaleIfError s = stale;
        if (s != null || request.staleIfError() == null || request.staleIfError().isZero()) {
            return s;
        }
        synchronized (staleSetup) {
            if (stale == null) {
                stale = staleSetup.create(clock);
            }
            return stale;
        }
    }

    static ClientCore create(FunctionClientBuilder b) {
        Settings settings = b.settings;
        if (settings == null) {
            Configuration config = b.configuration == null ? Configuration.getGlobalConfiguration() : b.configuration;
            settings = config == Configuration.NONE ? null : Settings.fromConfiguration(config);
        }
        List<io.branchline.core.spi.ClientExtension> extensions =
            settings != null && settings.discover ? Extensions.loaded() : List.of();
        if (settings != null && settings.discover) {
            SettingsCheck.check(settings.source, extensions, regionNames(b, settings));
        }
        if (settings != null) {
            settings.applyTo(b);
        }
        List<Region> regions = new ArrayList<>(b.regions);
        if (b.endpoint != null) {
            regions.add(Region.of("default", b.endpoint));
        }
        if (regions.isEmpty()) {
            throw new IllegalStateException("No region is configured: call region(...) or"
                + " endpoint(...) on the builder, or set branchline.regions (BRANCHLINE_REGIONS) such as"
                + " 'westeurope=https://orders-we.azurewebsites.net,northeurope=https://orders-ne.azurewebsites.net'");
        }
        FunctionClientBuilder.checkUniqueNames(regions);
        boolean allowHttp = Boolean.TRUE.equals(b.allowPlainHttp);
        for (Region r : regions) {
            for (Region x = r; x != null; x = x == r ? r.slot() : null) {
                if (!x.isHttps() && !allowHttp) {
                    throw new IllegalStateException("Region '" + r.name() + "'" + (x.isSlot() ? " (slot "
                        + x.slotName() + ")" : "") + " uses plain HTTP (" + x.baseUrl() + "): function keys and tokens"
                        + " would cross the network in clear. Use https://, or for local testing only call"
                        + " allowPlainHttp(true) (branchline.allow-plain-http=true)");
                }
            }
        }
        if (b.credential != null && (b.scope == null || b.scope.isBlank())) {
            throw new IllegalStateException("A credential is set but no token scope: call"
                + " scope(\"api://<client-id>/.default\") (branchline.scope) with the Application ID URI of the function"
                + " app's Entra ID registration");
        }
        if (b.credential != null && b.pipeline == null) {
            for (Region r : regions) {
                if (!r.isHttps()) {
                    // azure-core's bearer token policy refuses http: every call would fail with a confusing error
                    throw new IllegalStateException("Region '" + r.name() + "' uses plain"
                        + " HTTP (" + r.baseUrl() + ") but a credential is set: Entra ID tokens are only sent over"
                        + " https. Use an https:// base URL, or call without a credential for local testing");
                }
            }
        }
        if (b.credential == null && b.scope != null) {
            throw new IllegalStateException("A token scope is set (" + b.scope + ") but no"
                + " credential: call credential(...) or set branchline.credential (such as managed-identity)");
        }
        if (b.router != null && b.router instanceof OrderedRegionRouter == false && STARTED_ROUTERS.contains(b.router)) {
            throw new IllegalStateException("This router already serves another client:"
                + " give each client a router of its own");
        }
        TimeoutOptions timeouts = b.timeouts == null ? TimeoutOptions.DEFAULT : b.timeouts;
        HttpPipeline pipeline;
        ConnectionProvider owned = null;
        com.azure.core.http.HttpClient transport = null;
        if (b.pipeline != null) {
            if (b.httpClient != null || !b.policies.isEmpty() || b.credential != null || b.proxy != null || b.tls != null
                || b.httpLogOptions != null) {
                LOGGER.atWarning().log("An HttpPipeline was given: the builder's httpClient, policies, credential,"
                    + " proxy, TLS and log options are not applied (azure-core HttpTrait precedence)");
            }
            pipeline = b.pipeline;
        } else {
            com.azure.core.http.HttpClient http = b.httpClient;
            if (http == null) {
                Transport.Built built = transport(b, regions.stream().anyMatch(Region::isHttps));
                http = built.client;
                owned = built.provider;
            } else if (b.proxy != null || b.tls != null) {
                LOGGER.atWarning().log("An HttpClient was given: the builder's proxy and TLS options are not applied");
            }
            List<HttpPipelinePolicy> policies = new ArrayList<>(); // the User-Agent: see userAgent
            if (b.clientOptions != null) {
                HttpHeaders headers = new HttpHeaders();
                for (Header h : b.clientOptions.getHeaders()) {
                    headers.set(HttpHeaderName.fromString(h.getName()), h.getValue());
                }
                if (headers.getSize() > 0) {
                    policies.add(new AddHeadersPolicy(headers));
                }
            }
            policies.addAll(b.policies);
            if (b.credential != null) {
                policies.add(new BearerTokenAuthenticationPolicy(notSentOnFailure(b.credential), b.scope));
            }
            HttpLogOptions logOptions = logOptions(b.httpLogOptions);
            if (logOptions.getLogLevel() != com.azure.core.http.policy.HttpLogDetailLevel.NONE) {
                // with logging off (the default, unless AZURE_HTTP_LOG_DETAIL_LEVEL says otherwise) the policy is
                // left out: it would only cost every attempt a pipeline step
                policies.add(new HttpLoggingPolicy(logOptions));
            }
            pipeline = new HttpPipelineBuilder().httpClient(http).policies(policies.toArray(new HttpPipelinePolicy[0]))
                .build();
            transport = http;
        }
        List<Region> finalRegions = List.copyOf(regions);
        Extensions.Wiring wiring = new Extensions.Wiring(settings == null ? null : settings.source, finalRegions,
            b.clock == null ? Clock.systemUTC() : b.clock, transport, b.router, b.listeners);
        ClientCore core = null;
        try {
            // modules wired from settings (a router, an exporter sending through this client's transport)
            for (io.branchline.core.spi.ClientExtension e : extensions) {
                e.configure(wiring);
            }
            core = new ClientCore(b, finalRegions, pipeline, owned, wiring);
            wiring.core.set(core);
            core.startRouter();
        } catch (RuntimeException | Error e) {
            // a failed build releases everything it started: the shared timers, the router, the connections
            if (core != null) {
                core.close();
            } else {
                wiring.closeAll();
                if (owned != null) {
                    owned.disposeLater().block(Duration.ofSeconds(5));
                }
            }
            throw e;
        }
        if (settings != null && settings.discover) {
            wiring.log();
        }
        return core;
    }

    /** The region names per-region settings may name: those of {@code branchline.regions}, or the builder's. */
    private static List<String> regionNames(FunctionClientBuilder b, Settings settings) {
        List<String> names = new ArrayList<>();
        if (b.regions.isEmpty() && b.endpoint == null) {
            Map<String, String> fromSettings = settings.source.get(Settings.REGIONS);
            if (fromSettings != null) {
                names.addAll(fromSettings.keySet());
            }
        } else {
            b.regions.forEach(r -> names.add(r.name()));
            if (b.endpoint != null) {
                names.add("default");
            }
        }
        return names;
    }

    /**
     * The credential, with its failures marked as attempts that were never sent: a token that cannot be fetched
     * says nothing about a region, and a request that was not sent may move even when it is not idempotent.
     */
    static TokenCredential notSentOnFailure(TokenCredential credential) {
        return request -> {
            Mono<com.azure.core.credential.AccessToken> token;
            try {
                token = credential.getToken(request);
            } catch (RuntimeException e) {
                return Mono.error(tokenFailed(e));
            }
            return token == null ? Mono.error(tokenFailed(new IllegalStateException("the credential returned null")))
                : token.onErrorMap(e -> !(e instanceof AttemptNotSentException), ClientCore::tokenFailed);
        };
    }

    private static AttemptNotSentException tokenFailed(Throwable e) {
        return new AttemptNotSentException("could not get an access token: " + Outcomes.describe(e), e);
    }

    /** The default Netty transport with the builder's (already applied) timeouts, proxy, TLS and DNS refresh. */
    static Transport.Built transport(FunctionClientBuilder b, boolean anyHttps) {
        TimeoutOptions timeouts = b.timeouts == null ? TimeoutOptions.DEFAULT : b.timeouts;
        ProxyOptions proxy = b.proxy;
        if (proxy == null && Boolean.TRUE.equals(b.proxyFromEnvironment)) {
            Configuration config = b.configuration == null ? Configuration.getGlobalConfiguration() : b.configuration;
            proxy = ProxyOptions.fromConfiguration(config, true);
        }
        return Transport.create(timeouts, proxy, b.tls,
            b.dnsRefresh == null ? FunctionClientBuilder.DEFAULT_DNS_REFRESH : b.dnsRefresh, anyHttps);
    }

    /**
     * Sends a request through the pipeline, with the User-Agent that {@link UserAgentPolicy} would set first in the
     * chain (overriding the request's own; {@code Override-User-Agent} and {@code Append-User-Agent} in the context
     * honoured).
     */
    Mono<HttpResponse> send(HttpRequest request, Context context) {
        if (userAgent != null) {
            String ua = userAgent;
            if (context != Context.NONE) {
                Object override = context.getData(UserAgentPolicy.OVERRIDE_USER_AGENT_CONTEXT_KEY).orElse(null);
                Object append = context.getData(UserAgentPolicy.APPEND_USER_AGENT_CONTEXT_KEY).orElse(null);
                if (override != null && !override.toString().isEmpty()) {
                    ua = override.toString();
                } else if (append != null && !append.toString().isEmpty()) {
                    ua = ua + " " + append;
                }
            }
            request.getHeaders().set(HttpHeaderName.USER_AGENT, ua);
        }
        return direct != null ? direct.send(request, context) : pipeline.send(request, context);
    }

    private static final Set<RegionRouter> STARTED_ROUTERS =
        java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>());

    private void startRouter() {
        synchronized (STARTED_ROUTERS) {
            STARTED_ROUTERS.add(router);
        }
        router.start(new Context0());
    }

    /**
     * Only allow-listed headers are logged; everything else, keys and tokens included, is redacted. Bodies are never
     * logged (they may hold personal data): BODY levels are lowered to the matching level without bodies.
     */
    static HttpLogOptions logOptions(HttpLogOptions user) {
        HttpLogOptions o = user == null ? new HttpLogOptions() : user;
        Set<HttpHeaderName> allowed = new java.util.HashSet<>(o.getAllowedHttpHeaderNames());
        allowed.removeIf(h -> Redaction.isSecretHeader(h.getCaseInsensitiveName()));
        for (String h : List.of("traceparent", "x-ms-request-id", "x-request-id", "Retry-After", "x-ms-retry-after-ms",
            "X-FUNCTION-SCALEOUT", "Content-Type", "Content-Length", "User-Agent", "x-branchline-region")) {
            allowed.add(HttpHeaderName.fromString(h));
        }
        Set<String> params = new java.util.HashSet<>(o.getAllowedQueryParamNames());
        params.removeIf(p -> p.equalsIgnoreCase("code") || p.toLowerCase(java.util.Locale.ROOT).contains("key")
            || p.toLowerCase(java.util.Locale.ROOT).contains("token") || p.equalsIgnoreCase("sig"));
        com.azure.core.http.policy.HttpLogDetailLevel level = o.getLogLevel();
        if (level == com.azure.core.http.policy.HttpLogDetailLevel.BODY) {
            level = com.azure.core.http.policy.HttpLogDetailLevel.BASIC;
        } else if (level == com.azure.core.http.policy.HttpLogDetailLevel.BODY_AND_HEADERS) {
            level = com.azure.core.http.policy.HttpLogDetailLevel.HEADERS;
        }
        return new HttpLogOptions().setLogLevel(level).setAllowedHttpHeaderNames(allowed)
            .setAllowedQueryParamNames(params);
    }

    /** The key to send to a region: its own, else the client's default, else none. */
    String keyFor(Region region) {
        String k = region.functionKey();
        return k != null || defaultKey == null ? k : defaultKey.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // In-flight calls end at once with a "client closed" error; their attempts are cancelled, which closes
        // their connections. New calls were refused from the moment the flag was set.
        for (CallExecutor.Call call : calls) {
            call.closeNow();
        }
        failureLog.close();
        StaleIfError s = stale;
        if (s != null) {
            s.close();
        }
        try {
            router.close();
        } catch (RuntimeException e) {
            LOGGER.atWarning().log("Router failed to close", e);
        }
        // before the transport goes: an exporter sending through the client's HTTP client flushes on close
        for (AutoCloseable r : resources) {
            Extensions.Wiring.closeQuietly(r);
        }
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lease.close();
        if (ownedProvider != null) {
            ownedProvider.disposeLater().block(Duration.ofSeconds(5));
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    /** The router's view of this client. */
    private final class Context0 implements RouterContext {
        @Override
        public List<Region> regions() {
            return regions;
        }

        @Override
        public Clock clock() {
            return clock;
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return scheduler;
        }

        @Override
        public CallListener listener() {
            return listener;
        }

        @Override
        public FailoverOptions failoverOptions() {
            return failover;
        }

        @Override
        public Mono<ProbeResult> probe(Region region, String method, String path, Map<String, String> headers,
            Duration timeout) {
            return Mono.defer(() -> {
                HttpRequest req = new HttpRequest(HttpMethod.valueOf(method.toUpperCase(java.util.Locale.ROOT)),
                    region.baseUrl() + path);
                String key = keyFor(region);
                if (key != null) {
                    req.setHeader(FUNCTIONS_KEY, key);
                }
                headers.forEach((n, v) -> req.setHeader(HttpHeaderName.fromString(n), v));
                long start = System.nanoTime();
                return send(req, Context.NONE)
                    .flatMap(resp -> resp.getBodyAsByteArray().defaultIfEmpty(new byte[0])
                        .map(ignored -> Attempt.isColdMark(resp.getHeaderValue(COLD_START))
                            ? -resp.getStatusCode() : resp.getStatusCode()).doFinally(s -> resp.close()))
                    .timeout(timeout)
                    .map(signed -> new ProbeResult(region.name(), Math.abs(signed),
                        Duration.ofNanos(System.nanoTime() - start), Outcomes.ofStatus(Math.abs(signed)), null,
                        signed < 0))
                    .onErrorResume(e -> Mono.just(new ProbeResult(region.name(), 0,
                        Duration.ofNanos(System.nanoTime() - start), Outcomes.ofError(e), Outcomes.describe(e))))
                    .doOnNext(result -> listener.probeCompleted(region, result));
            });
        }
    }
}
