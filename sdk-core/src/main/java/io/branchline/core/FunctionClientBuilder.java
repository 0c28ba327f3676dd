package io.branchline.core;

import com.azure.core.client.traits.ConfigurationTrait;
import com.azure.core.client.traits.EndpointTrait;
import com.azure.core.client.traits.HttpTrait;
import com.azure.core.client.traits.TokenCredentialTrait;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.ProxyOptions;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.util.ClientOptions;
import com.azure.core.util.Configuration;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.TimeoutOptions;
import io.branchline.core.models.TlsOptions;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

/**
 * Builds {@link FunctionClient} and {@link FunctionAsyncClient} instances. The simplest use:
 *
 * <pre>{@code
 * try (FunctionClient client = new FunctionClientBuilder()
 *         .endpoint("https://orders-we.azurewebsites.net").functionKey(key).buildClient()) {
 *     String hello = client.invoke(FunctionRequest.get("/api/hello").build()).bodyAsString();
 * }
 * }</pre>
 *
 * <p>Several regions, each with its own key, and a router from {@code branchline-routing}:
 *
 * <pre>{@code
 * FunctionClient client = new FunctionClientBuilder()
 *     .region(Region.builder("westeurope", "https://orders-we.azurewebsites.net").functionKey(weKey).build())
 *     .region(Region.builder("northeurope", "https://orders-ne.azurewebsites.net").functionKey(neKey).build())
 *     .router(NearestRegionRouter.builder().build())
 *     .buildClient();
 * }</pre>
 *
 * <p>Legacy applications can start from {@link #fromProperties(Properties)} or {@link #fromEnvironment()}; every
 * setting is listed in the README. Settings made on the builder win over those read from configuration.
 *
 * <p>HTTP settings follow azure-core's {@link HttpTrait} precedence: a {@linkplain #pipeline(HttpPipeline) pipeline}
 * replaces every other HTTP setting (client, policies, log options, proxy, TLS, timeouts of the transport,
 * credential); an {@linkplain #httpClient(HttpClient) HTTP client} replaces the proxy, TLS and transport timeouts.
 *
 * <p>Misconfiguration fails at {@code buildClient()} / {@code buildAsyncClient()} with an exception that names the
 * setting, the bad value (unless it is secret) and the fix. A builder is not thread-safe; the clients it builds are
 * immutable and thread-safe.
 */
public final class FunctionClientBuilder implements HttpTrait<FunctionClientBuilder>, TokenCredentialTrait<FunctionClientBuilder>,
    ConfigurationTrait<FunctionClientBuilder>, EndpointTrait<FunctionClientBuilder> {

    /** Default interval after which connections are replaced so host names are resolved again: 30 seconds. */
    public static final Duration DEFAULT_DNS_REFRESH = Duration.ofSeconds(30);
    /** Default largest response body accepted: {@value} bytes (16 MiB). */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 16L * 1024 * 1024;
    /** Default most answers kept for stale-if-error: {@value}. */
    public static final int DEFAULT_STALE_MAX_ENTRIES = 1000;
    /** Default most bytes kept for stale-if-error: {@value} (16 MiB). */
    public static final long DEFAULT_STALE_MAX_BYTES = 16L * 1024 * 1024;

    final List<Region> regions = new ArrayList<>();
    String endpoint;
    String functionKey;
    /** The default key read from a file (branchline.function-key-file); functionKey(...) wins over it. */
    java.util.function.Supplier<String> functionKeySource;
    TokenCredential credential;
    String scope;
    HttpClient httpClient;
    HttpPipeline pipeline;
    final List<HttpPipelinePolicy> policies = new ArrayList<>();
    RetryOptions retryOptions;
    HttpLogOptions httpLogOptions;
    ClientOptions clientOptions;
    Configuration configuration;
    TimeoutOptions timeouts;
    FailoverOptions failover;
    TlsOptions tls;
    ProxyOptions proxy;
    Boolean proxyFromEnvironment;
    Boolean allowPlainHttp;
    Duration dnsRefresh;
    Long maxResponseBytes;
    Duration staleIfError;
    Integer staleMaxEntries;
    Long staleMaxBytes;
    Boolean staleCacheAuthorized;
    io.branchline.core.spi.StaleResponseCache staleCache;
    RegionRouter router;
    final List<CallListener> listeners = new ArrayList<>();
    Clock clock;
    /** Settings read from properties or environment; applied under the builder's own settings at build time. */
    Settings settings;

    /** Creates a builder with no settings. */
    public FunctionClientBuilder() {
    }

    /**
     * A builder holding the settings of a properties file (see the README for every {@code branchline.*} key).
     * Settings made on the builder afterwards win. The client built wires the Branchline modules on the class path
     * ({@code branchline-routing}'s nearest-region router, {@code branchline-telemetry}'s Azure Monitor exporter when
     * a connection string is set) unless a router or exporter is set on the builder, logs what it wired in one INFO
     * line, and reports unknown and orphan settings (errors with {@code branchline.strict-settings=true}).
     *
     * @param properties the properties
     * @return a builder; a malformed setting fails when the client is built, with a message naming it and the fix
     */
    public static FunctionClientBuilder fromProperties(Properties properties) {
        Objects.requireNonNull(properties, "properties");
        FunctionClientBuilder b = new FunctionClientBuilder();
        b.settings = Settings.fromProperties(properties);
        return b;
    }

    /**
     * A builder holding the settings of the environment variables ({@code BRANCHLINE_*}, see the README).
     *
     * @return a builder; a malformed setting fails when the client is built
     */
    public static FunctionClientBuilder fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * A builder holding the {@code BRANCHLINE_*} settings of the given variables, such as an environment file the
     * application loaded itself, or a test's map. Modules on the class path are wired as
     * {@link #fromProperties(Properties)} describes ({@code APPLICATIONINSIGHTS_CONNECTION_STRING} attaches telemetry).
     *
     * @param env variable names and values
     * @return a builder; a malformed setting fails when the client is built
     */
    public static FunctionClientBuilder fromEnvironment(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        FunctionClientBuilder b = new FunctionClientBuilder();
        b.settings = Settings.fromEnvironment(env);
        return b;
    }

    /**
     * Adds a region. Regions are tried in the router's order; the default router uses priority, then the order
     * they were added.
     *
     * @param region the region
     * @return this builder
     */
    public FunctionClientBuilder region(Region region) {
        regions.add(Objects.requireNonNull(region, "region"));
        return this;
    }

    /**
     * Adds a region by name and base URL, without a key of its own.
     *
     * @param name the region's name
     * @param baseUrl the function app's base URL
     * @return this builder
     */
    public FunctionClientBuilder region(String name, String baseUrl) {
        return region(Region.of(name, baseUrl));
    }

    /**
     * Adds regions.
     *
     * @param regions the regions
     * @return this builder
     */
    public FunctionClientBuilder regions(List<Region> regions) {
        Objects.requireNonNull(regions, "regions").forEach(this::region);
        return this;
    }

    /**
     * Sets a single endpoint: a region named {@code default}. Use {@link #region(Region)} for several regions.
     *
     * @param endpoint the function app's base URL
     * @return this builder
     */
    @Override
    public FunctionClientBuilder endpoint(String endpoint) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        return this;
    }

    /**
     * Sets the function key used for regions that have none of their own, sent as {@code x-functions-key}.
     *
     * @param key the key
     * @return this builder
     */
    public FunctionClientBuilder functionKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isBlank()) {
            throw new IllegalArgumentException("functionKey is blank");
        }
        this.functionKey = key.trim();
        return this;
    }

    /**
     * Authenticates calls with Microsoft Entra ID tokens (App Service Authentication / Easy Auth), cached and
     * refreshed before expiry. Requires {@link #scope(String)}.
     *
     * @param credential a credential, such as azure-identity's {@code ManagedIdentityCredential}
     * @return this builder
     */
    @Override
    public FunctionClientBuilder credential(TokenCredential credential) {
        this.credential = Objects.requireNonNull(credential, "credential");
        return this;
    }

    /**
     * Sets the token scope, such as {@code api://<client-id>/.default}.
     *
     * @param scope the scope
     * @return this builder
     */
    public FunctionClientBuilder scope(String scope) {
        this.scope = Objects.requireNonNull(scope, "scope");
        return this;
    }

    /**
     * Sends through this HTTP client instead of the default Netty one; proxy, TLS and transport timeouts of this
     * builder are then not applied.
     *
     * @param httpClient the client
     * @return this builder
     */
    @Override
    public FunctionClientBuilder httpClient(HttpClient httpClient) {
        this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
        return this;
    }

    /**
     * Sends through this pipeline; it replaces every other HTTP setting of this builder.
     *
     * @param pipeline the pipeline
     * @return this builder
     */
    @Override
    public FunctionClientBuilder pipeline(HttpPipeline pipeline) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        return this;
    }

    /**
     * Adds a policy to every attempt's pipeline, after the user agent and before authentication.
     *
     * @param policy the policy
     * @return this builder
     */
    @Override
    public FunctionClientBuilder addPolicy(HttpPipelinePolicy policy) {
        policies.add(Objects.requireNonNull(policy, "policy"));
        return this;
    }

    /**
     * Branchline retries across regions itself; of azure-core's retry options only the number of retries is used,
     * as {@code maxAttempts = maxRetries + 1} (capped at 10). Prefer {@link #failover(FailoverOptions)}.
     *
     * @param retryOptions the options
     * @return this builder
     */
    @Override
    public FunctionClientBuilder retryOptions(RetryOptions retryOptions) {
        this.retryOptions = Objects.requireNonNull(retryOptions, "retryOptions");
        return this;
    }

    /**
     * Sets HTTP logging options. Only allow-listed headers are logged; function keys, tokens and {@code code=}
     * query values are always redacted, and bodies are never logged.
     *
     * @param logOptions the options
     * @return this builder
     */
    @Override
    public FunctionClientBuilder httpLogOptions(HttpLogOptions logOptions) {
        this.httpLogOptions = Objects.requireNonNull(logOptions, "logOptions");
        return this;
    }

    /**
     * Sets client options: the application id goes into the User-Agent, headers into every request.
     *
     * @param clientOptions the options
     * @return this builder
     */
    @Override
    public FunctionClientBuilder clientOptions(ClientOptions clientOptions) {
        this.clientOptions = Objects.requireNonNull(clientOptions, "clientOptions");
        return this;
    }

    /**
     * Reads {@code BRANCHLINE_*} settings (and, when asked, the standard proxy variables) from this configuration
     * instead of the global one. {@link Configuration#NONE} reads nothing.
     *
     * @param configuration the configuration
     * @return this builder
     */
    @Override
    public FunctionClientBuilder configuration(Configuration configuration) {
        this.configuration = Objects.requireNonNull(configuration, "configuration");
        return this;
    }

    /**
     * Sets connect, response and read timeouts and the default call deadline.
     *
     * @param timeouts the timeouts
     * @return this builder
     */
    public FunctionClientBuilder timeouts(TimeoutOptions timeouts) {
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        return this;
    }

    /**
     * Sets attempts, retry budget and hedging.
     *
     * @param failover the options
     * @return this builder
     */
    public FunctionClientBuilder failover(FailoverOptions failover) {
        this.failover = Objects.requireNonNull(failover, "failover");
        return this;
    }

    /**
     * Sets custom trust (TLS inspection, private CA) and a client certificate.
     *
     * @param tls the options
     * @return this builder
     */
    public FunctionClientBuilder tls(TlsOptions tls) {
        this.tls = Objects.requireNonNull(tls, "tls");
        return this;
    }

    /**
     * Sends through an HTTP proxy (with credentials and non-proxy hosts as azure-core's {@link ProxyOptions} holds).
     *
     * @param proxy the proxy
     * @return this builder
     */
    public FunctionClientBuilder proxy(ProxyOptions proxy) {
        this.proxy = Objects.requireNonNull(proxy, "proxy");
        return this;
    }

    /**
     * Takes the proxy from the standard {@code HTTPS_PROXY}, {@code HTTP_PROXY} and {@code NO_PROXY} variables
     * (or the {@code https.proxyHost} system properties) of the configuration.
     *
     * @param fromEnvironment {@code true} to use them
     * @return this builder
     */
    public FunctionClientBuilder proxyFromEnvironment(boolean fromEnvironment) {
        this.proxyFromEnvironment = fromEnvironment;
        return this;
    }

    /**
     * Allows {@code http://} regions. Off by default: function keys and tokens must not cross a network in clear.
     * Turn it on only for local testing.
     *
     * @param allow {@code true} to allow plain HTTP
     * @return this builder
     */
    public FunctionClientBuilder allowPlainHttp(boolean allow) {
        this.allowPlainHttp = allow;
        return this;
    }

    /**
     * Sets how long a connection is reused before it is replaced and how long a DNS answer is cached at most, so
     * that host names are resolved again and a private endpoint that moved is followed within this time.
     *
     * @param interval from 1 second to 1 hour
     * @return this builder
     */
    public FunctionClientBuilder dnsRefreshInterval(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.compareTo(Duration.ofSeconds(1)) < 0 || interval.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException(
                "dnsRefreshInterval must be from 1 second to 1 hour, was " + interval);
        }
        this.dnsRefresh = interval;
        return this;
    }

    /**
     * Sets the largest response body accepted; a larger one fails the attempt without being buffered whole.
     *
     * @param bytes at least 1
     * @return this builder
     */
    public FunctionClientBuilder maxResponseSize(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxResponseSize must be at least 1 byte, was " + bytes);
        }
        this.maxResponseBytes = bytes;
        return this;
    }

    /**
     * Turns on stale-if-error (RFC 5861) for GET calls: the answers of successful GET calls are kept in a bounded
     * in-memory cache, and when every region fails for a GET that was answered before (no answer at all, or 500,
     * 502, 503, 504), the call returns the kept answer if it is at most {@code maxStale} older than its freshness
     * ({@code max-age}, else none), marked stale: {@link FunctionResponse#isStale()}, {@link FunctionResponse#age()},
     * {@code Age} and {@code Warning: 110, 111} headers. The failure stays visible to listeners
     * ({@link CallListener#staleServed}), metrics and telemetry. The function's {@code Cache-Control} is honoured:
     * {@code no-store}, {@code private}, {@code no-cache} and {@code must-revalidate} answers are never kept, and
     * {@code stale-if-error=N} narrows the window. Requests with an {@code Authorization} header are not kept unless
     * {@link #staleIfErrorForAuthorizedRequests(boolean)} allows it. Off by default; a request may set its own window
     * with {@code FunctionRequest.Builder.staleIfError}. Needs {@code io.branchline:branchline-routing} on the class
     * path, which holds the cache (Caffeine). Settings: {@code branchline.stale-if-error}.
     *
     * @param maxStale the allowed staleness; {@link Duration#ZERO} turns it off
     * @return this builder
     * @throws IllegalArgumentException if {@code maxStale} is negative
     */
    public FunctionClientBuilder staleIfError(Duration maxStale) {
        Objects.requireNonNull(maxStale, "maxStale");
        if (maxStale.isNegative()) {
            throw new IllegalArgumentException("staleIfError must not be negative, was " + maxStale);
        }
        this.staleIfError = maxStale;
        return this;
    }

    /**
     * Bounds the stale-if-error cache; least recently used answers go first.
     *
     * @param maxEntries the most answers kept, at least 1 (default {@value #DEFAULT_STALE_MAX_ENTRIES})
     * @param maxBytes the most bytes kept, bodies and headers, at least 1 (default 16 MiB)
     * @return this builder
     * @throws IllegalArgumentException if a limit is below 1
     */
    public FunctionClientBuilder staleIfErrorLimits(int maxEntries, long maxBytes) {
        if (maxEntries < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("staleIfErrorLimits must be at least 1 entry and 1 byte, was "
                + maxEntries + " entries and " + maxBytes + " bytes");
        }
        this.staleMaxEntries = maxEntries;
        this.staleMaxBytes = maxBytes;
        return this;
    }

    /**
     * Keeps the stale-if-error answers in a store of the application's instead of the Caffeine cache of
     * {@code branchline-routing} (the limits of {@link #staleIfErrorLimits} are then the store's business). What is
     * kept and served is still decided by the client.
     *
     * @param cache the store; the client closes it
     * @return this builder
     */
    public FunctionClientBuilder staleIfErrorCache(io.branchline.core.spi.StaleResponseCache cache) {
        this.staleCache = Objects.requireNonNull(cache, "cache");
        return this;
    }

    /**
     * Allows answers to requests that carry an {@code Authorization} header into the stale-if-error cache (RFC 9111
     * forbids a shared cache to keep them unless the answer says {@code public}); off by default, since such answers
     * may be meant for one user only.
     *
     * @param allowed whether to keep them
     * @return this builder
     */
    public FunctionClientBuilder staleIfErrorForAuthorizedRequests(boolean allowed) {
        this.staleCacheAuthorized = allowed;
        return this;
    }

    /**
     * Sets the router deciding which regions a call uses; {@link RegionRouter#inOrder()} by default.
     *
     * @param router the router; serves this one client
     * @return this builder
     */
    public FunctionClientBuilder router(RegionRouter router) {
        this.router = Objects.requireNonNull(router, "router");
        return this;
    }

    /**
     * Adds a listener for call and region events (telemetry, metrics, dashboards).
     *
     * @param listener the listener
     * @return this builder
     */
    public FunctionClientBuilder addListener(CallListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Sets the clock used for call start times, Retry-After dates and the router's timing; tests inject a
     * controllable one.
     *
     * @param clock the clock
     * @return this builder
     */
    public FunctionClientBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Builds an HTTP client that reaches other services over the same network as this builder's calls: the same
     * proxy (with its credentials and non-proxy hosts), TLS trust, client certificate, DNS refresh and transport
     * timeouts, taken from this builder and then from its properties, environment or {@link Configuration} exactly
     * as {@link #buildClient()} takes them. No region is needed. For components that send alongside the calls, such
     * as the Azure Monitor exporter of {@code branchline-telemetry}. When an {@linkplain #httpClient(HttpClient) HTTP
     * client} (or a {@linkplain #pipeline(HttpPipeline) pipeline}) was given, its HTTP client is returned: it is the
     * caller's to share.
     *
     * <p>A client built here holds its own connection pool; it implements {@link AutoCloseable}: close it when done.
     *
     * @return the HTTP client
     * @throws IllegalArgumentException if a transport setting is malformed; the message names it and the fix
     * @throws IllegalStateException if the TLS files cannot be loaded; the message names them
     */
    public HttpClient buildHttpClient() {
        if (pipeline != null) {
            return pipeline.getHttpClient();
        }
        if (httpClient != null) {
            return httpClient;
        }
        FunctionClientBuilder transport = new FunctionClientBuilder();
        transport.configuration = configuration;
        transport.timeouts = timeouts;
        transport.proxy = proxy;
        transport.proxyFromEnvironment = proxyFromEnvironment;
        transport.tls = tls;
        transport.dnsRefresh = dnsRefresh;
        Settings s = settings;
        if (s == null) {
            Configuration config = configuration == null ? Configuration.getGlobalConfiguration() : configuration;
            s = config == Configuration.NONE ? null : Settings.fromConfiguration(config);
        }
        if (s != null) {
            s.applyTransportTo(transport);
        }
        // the other service (such as Azure Monitor ingestion) is most likely https: TLS prepared up front
        return new Transport.Owned(ClientCore.transport(transport, true));
    }

    /**
     * Builds a blocking client.
     *
     * @return the client; close it when done
     * @throws IllegalStateException when settings are missing or conflict; the message names the fix
     */
    public FunctionClient buildClient() {
        return new FunctionClient(new FunctionAsyncClient(ClientCore.create(this)));
    }

    /**
     * Builds a Reactor client.
     *
     * @return the client; close it when done
     * @throws IllegalStateException when settings are missing or conflict; the message names the fix
     */
    public FunctionAsyncClient buildAsyncClient() {
        return new FunctionAsyncClient(ClientCore.create(this));
    }

    static void checkUniqueNames(List<Region> regions) {
        Set<String> names = new HashSet<>();
        for (Region r : regions) {
            if (!names.add(r.name())) {
                throw new IllegalStateException("Region '" + r.name()
                    + "' is configured twice: give each region a distinct name");
            }
        }
    }
}
