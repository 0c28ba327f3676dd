package io.branchline.core;

import com.azure.core.http.ProxyOptions;
import com.azure.core.util.Configuration;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.TimeoutOptions;
import io.branchline.core.models.TlsOptions;
import io.branchline.core.spi.Setting;
import io.branchline.core.spi.SettingSource;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The client's {@code branchline.*} settings, each declared once, read from properties, {@code BRANCHLINE_*}
 * environment variables (the property name upper-cased, dots and dashes turned into underscores) or an azure-core
 * configuration, and applied under a builder's own settings. Every malformed setting fails with a message naming
 * it, its value (unless secret) and the expected form.
 */
final class Settings {
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String KINDS = "none, managed-identity, client-secret, client-certificate, azure-cli, default";

    static final Setting<Map<String, String>> REGIONS = Setting.text("branchline.regions",
            "name=baseUrl pairs separated by commas, e.g. westeurope=https://orders-we.azurewebsites.net,"
                + "northeurope=https://orders-ne.azurewebsites.net", Settings::parseRegionList)
        .meaning("Regions as name=baseUrl pairs separated by commas, e.g. westeurope=https://orders-we.azurewebsites.net")
        .build();
    static final Setting<String> REGION_KEY = Setting.text("branchline.region.<name>.key", "a function key", Settings::headerSafe)
        .secret().meaning("Function key of one region's app (x-functions-key)").build();
    static final Setting<String> REGION_KEY_ENV = Setting.text("branchline.region.<name>.key-env",
            "an environment variable name, such as ORDERS_WE_KEY", Settings::variableName)
        .meaning("Name of an environment variable holding that key").build();
    static final Setting<Path> REGION_KEY_FILE = Setting.path("branchline.region.<name>.key-file")
        .meaning("File holding that key, read again when it changes (rotation)").build();
    static final Setting<Integer> REGION_PRIORITY = Setting.integer("branchline.region.<name>.priority", 0, Integer.MAX_VALUE)
        .defaultValue(Region.DEFAULT_PRIORITY).meaning("Lower is preferred by priority routing").build();
    static final Setting<Integer> REGION_WEIGHT = Setting.integer("branchline.region.<name>.weight", 1, 10_000)
        .defaultValue(Region.DEFAULT_WEIGHT).meaning("Share of traffic under weighted routing, 1-10000").build();
    static final Setting<Map.Entry<String, String>> REGION_SLOT = Setting.text("branchline.region.<name>.slot",
            "slot=baseUrl, such as staging=https://orders-we-staging.azurewebsites.net", Settings::parseSlot)
        .meaning("Deployment slot for canary releases as slot=baseUrl, e.g. staging=https://orders-we-staging.azurewebsites.net")
        .build();
    static final Setting<String> REGION_SLOT_KEY = Setting.text("branchline.region.<name>.slot.key", "a function key",
            Settings::headerSafe)
        .secret().meaning("Function key of that slot (a slot has keys of its own)").build();
    static final Setting<Path> REGION_SLOT_KEY_FILE = Setting.path("branchline.region.<name>.slot.key-file")
        .meaning("File holding the slot's key, read again when it changes").build();
    static final Setting<String> FUNCTION_KEY = Setting.text("branchline.function-key", "a function key", Settings::headerSafe)
        .secret().meaning("Function key for regions without one of their own").build();
    static final Setting<Path> FUNCTION_KEY_FILE = Setting.path("branchline.function-key-file")
        .meaning("File holding that default key").build();
    static final Setting<String> CREDENTIAL = Setting.choice("branchline.credential", KINDS.split(", "))
        .defaultValue("none").meaning("Entra ID credential kind: " + KINDS + " (needs com.azure:azure-identity)").build();
    static final Setting<String> CLIENT_ID = Setting.text("branchline.credential.client-id")
        .requires(CREDENTIAL, "managed-identity", "client-secret", "client-certificate", "default")
        .meaning("Client id (user-assigned managed identity or app registration)").build();
    static final Setting<String> TENANT_ID = Setting.text("branchline.credential.tenant-id")
        .requires(CREDENTIAL, "client-secret", "client-certificate", "default")
        .meaning("Tenant id for client-secret and client-certificate").build();
    static final Setting<String> CLIENT_SECRET = Setting.text("branchline.credential.client-secret").secret()
        .requires(CREDENTIAL, "client-secret").meaning("Client secret for client-secret").build();
    static final Setting<Path> CERTIFICATE_PATH = Setting.path("branchline.credential.certificate-path")
        .requires(CREDENTIAL, "client-certificate").meaning("PEM or PFX certificate for client-certificate").build();
    static final Setting<String> CERTIFICATE_PASSWORD = Setting.text("branchline.credential.certificate-password").secret()
        .requires(CERTIFICATE_PATH).meaning("Password of a PFX certificate").build();
    static final Setting<String> SCOPE = Setting.text("branchline.scope")
        .meaning("Token scope, e.g. api://<client-id>/.default; required with a credential").build();
    static final Setting<Duration> TIMEOUT_CONNECT = Setting.duration("branchline.timeout.connect", Duration.ofMillis(1), Duration.ofMinutes(10))
        .defaultValue(TimeoutOptions.DEFAULT_CONNECT).meaning("Time to open a TCP and TLS connection").build();
    static final Setting<Duration> TIMEOUT_RESPONSE = Setting.duration("branchline.timeout.response", Duration.ofMillis(1), Duration.ofHours(1))
        .defaultValue(TimeoutOptions.DEFAULT_RESPONSE).meaning("Per-attempt time until the response headers arrive").build();
    static final Setting<Duration> TIMEOUT_READ = Setting.duration("branchline.timeout.read", Duration.ofMillis(1), Duration.ofHours(1))
        .defaultValue(TimeoutOptions.DEFAULT_READ).meaning("Longest pause between reads of a response body").build();
    static final Setting<Duration> TIMEOUT_CALL = Setting.duration("branchline.timeout.call", Duration.ofMillis(1), Duration.ofHours(24))
        .defaultValue(TimeoutOptions.DEFAULT_CALL).meaning("Default deadline of a whole call, every attempt and wait included").build();
    static final Setting<Integer> MAX_ATTEMPTS = Setting.integer("branchline.failover.max-attempts", 1, 10)
        .defaultValue(FailoverOptions.DEFAULT_MAX_ATTEMPTS).meaning("Most attempts of one call, hedges included (1-10)").build();
    static final Setting<Double> BUDGET_RATIO = Setting.decimal("branchline.failover.retry-budget-ratio", 0, true, 1)
        .defaultValue(FailoverOptions.DEFAULT_RETRY_BUDGET_RATIO).meaning("Retries and hedges allowed as a fraction of calls").build();
    static final Setting<Integer> BUDGET_FLOOR = Setting.integer("branchline.failover.retry-budget-floor", 0, 100_000)
        .defaultValue(FailoverOptions.DEFAULT_RETRY_BUDGET_FLOOR).meaning("Retries and hedges always allowed per second").build();
    static final Setting<Boolean> HEDGE_READS = Setting.bool("branchline.failover.hedge-reads").defaultValue(true)
        .meaning("Hedge GET and HEAD calls to a second region when slow").build();
    static final Setting<Boolean> WAIT_WHEN_THROTTLED = Setting.bool("branchline.failover.wait-when-throttled").defaultValue(true)
        .meaning("Wait within the deadline when every region asked to back off, instead of failing").build();
    static final Setting<InetSocketAddress> PROXY = Setting.text("branchline.proxy",
            "an HTTP proxy URL with host and port, such as http://proxy.corp:3128", Settings::parseProxy)
        .meaning("HTTP proxy URL, e.g. http://proxy.corp:3128").build();
    static final Setting<String> PROXY_USER = Setting.text("branchline.proxy.user").requires(PROXY).meaning("Proxy user name").build();
    static final Setting<String> PROXY_PASSWORD = Setting.text("branchline.proxy.password").secret().requires(PROXY)
        .meaning("Proxy password").build();
    static final Setting<String> NON_PROXY_HOSTS = Setting.text("branchline.proxy.non-proxy-hosts").requires(PROXY)
        .meaning("Hosts that bypass the proxy, separated by |, e.g. localhost|*.corp").build();
    static final Setting<Boolean> PROXY_FROM_ENVIRONMENT = Setting.bool("branchline.proxy.from-environment").defaultValue(false)
        .meaning("Use HTTPS_PROXY / HTTP_PROXY / NO_PROXY").build();
    static final Setting<Path> TRUST_PEM = Setting.path("branchline.tls.trust-pem")
        .meaning("PEM file of CA certificates to trust (TLS inspection, private CA)").build();
    static final Setting<Path> TRUST_STORE = Setting.path("branchline.tls.trust-store").meaning("Trust store file (PKCS12 or JKS)").build();
    static final Setting<String> TRUST_STORE_TYPE = Setting.choice("branchline.tls.trust-store-type", "PKCS12", "JKS")
        .defaultValue("PKCS12").requires(TRUST_STORE).meaning("Trust store type").build();
    static final Setting<String> TRUST_STORE_PASSWORD = Setting.text("branchline.tls.trust-store-password").secret()
        .requires(TRUST_STORE).meaning("Trust store password").build();
    static final Setting<Boolean> INCLUDE_SYSTEM_TRUST = Setting.bool("branchline.tls.include-system-trust").defaultValue(true)
        .meaning("Keep trusting the JVM's default CAs").build();
    static final Setting<Path> CLIENT_CERT = Setting.path("branchline.tls.client-cert")
        .meaning("PKCS#12 file with a client certificate and key (mutual TLS)").build();
    static final Setting<String> CLIENT_CERT_PASSWORD = Setting.text("branchline.tls.client-cert-password").secret()
        .requires(CLIENT_CERT).meaning("Its password").build();
    static final Setting<Boolean> ALLOW_PLAIN_HTTP = Setting.bool("branchline.allow-plain-http").defaultValue(false)
        .meaning("Allow http:// regions (local testing only)").build();
    static final Setting<Duration> DNS_REFRESH = Setting.duration("branchline.dns-refresh", Duration.ofSeconds(1), Duration.ofHours(1))
        .defaultValue(FunctionClientBuilder.DEFAULT_DNS_REFRESH)
        .meaning("Connections are replaced after this long so names resolve again").build();
    static final Setting<Long> MAX_RESPONSE_SIZE = Setting.size("branchline.max-response-size", 1, 2L * 1024 * 1024 * 1024)
        .defaultValue(FunctionClientBuilder.DEFAULT_MAX_RESPONSE_BYTES)
        .meaning("Largest response body accepted, e.g. 512KiB, 16MiB").build();
    static final Setting<Duration> STALE_IF_ERROR = Setting.duration("branchline.stale-if-error", Duration.ZERO, Duration.ofDays(30))
        .defaultValue(Duration.ZERO)
        .meaning("Answer a GET from its last good answer, marked stale, when every region fails; 0 is off, e.g. 5m").build();
    static final Setting<Integer> STALE_MAX_ENTRIES = Setting.integer("branchline.stale-if-error.max-entries", 1, 10_000_000)
        .defaultValue(FunctionClientBuilder.DEFAULT_STALE_MAX_ENTRIES).requires(STALE_IF_ERROR)
        .meaning("Most answers kept for stale-if-error").build();
    static final Setting<Long> STALE_MAX_SIZE = Setting.size("branchline.stale-if-error.max-size", 1, 8L * 1024 * 1024 * 1024)
        .defaultValue(FunctionClientBuilder.DEFAULT_STALE_MAX_BYTES).requires(STALE_IF_ERROR)
        .meaning("Most bytes kept for stale-if-error, e.g. 64MiB").build();
    static final Setting<Boolean> STALE_AUTHORIZED = Setting.bool("branchline.stale-if-error.authorized-requests")
        .defaultValue(false).requires(STALE_IF_ERROR)
        .meaning("Also keep answers to requests with an Authorization header").build();
    static final Setting<Boolean> STRICT = Setting.bool("branchline.strict-settings").defaultValue(false)
        .meaning("Fail the build on unknown or orphan settings instead of warning").build();

    /** Every core setting, in the order the README documents them. */
    static final List<Setting<?>> DEFS = List.of(REGIONS, REGION_KEY, REGION_KEY_ENV, REGION_KEY_FILE, REGION_PRIORITY,
        REGION_WEIGHT, REGION_SLOT, REGION_SLOT_KEY, REGION_SLOT_KEY_FILE, FUNCTION_KEY, FUNCTION_KEY_FILE, CREDENTIAL, CLIENT_ID, TENANT_ID, CLIENT_SECRET, CERTIFICATE_PATH,
        CERTIFICATE_PASSWORD, SCOPE, TIMEOUT_CONNECT, TIMEOUT_RESPONSE, TIMEOUT_READ, TIMEOUT_CALL, MAX_ATTEMPTS,
        BUDGET_RATIO, BUDGET_FLOOR, HEDGE_READS, WAIT_WHEN_THROTTLED, PROXY, PROXY_USER, PROXY_PASSWORD, NON_PROXY_HOSTS,
        PROXY_FROM_ENVIRONMENT, TRUST_PEM, TRUST_STORE, TRUST_STORE_TYPE, TRUST_STORE_PASSWORD, INCLUDE_SYSTEM_TRUST,
        CLIENT_CERT, CLIENT_CERT_PASSWORD, ALLOW_PLAIN_HTTP, DNS_REFRESH, MAX_RESPONSE_SIZE, STALE_IF_ERROR,
        STALE_MAX_ENTRIES, STALE_MAX_SIZE, STALE_AUTHORIZED, STRICT);

    final SettingSource source;
    /** Whether modules on the class path are wired in: for builders started from properties or the environment. */
    final boolean discover;
    /** Where {@code key-env} variables are looked up: the environment map read, else the process environment. */
    private final Function<String, String> variables;

    private Settings(SettingSource source, boolean discover, Function<String, String> variables) {
        this.source = source;
        this.discover = discover;
        this.variables = variables;
    }

    static Settings fromProperties(Properties p) {
        return new Settings(SettingSource.fromProperties(p), true, System::getenv);
    }

    static Settings fromEnvironment(Map<String, String> env) {
        Map<String, String> copy = Map.copyOf(env);
        return new Settings(SettingSource.fromEnvironment(copy), true, copy::get);
    }

    static Settings fromConfiguration(Configuration config) {
        return new Settings(SettingSource.fromConfiguration(config), false, System::getenv);
    }

    static String envName(String property) {
        return Setting.environmentName(property);
    }

    <T> T get(Setting<T> s) {
        return source.get(s);
    }

    /** Fills whatever the builder left unset. */
    void applyTo(FunctionClientBuilder b) {
        if (b.regions.isEmpty() && b.endpoint == null) {
            Map<String, String> regions = get(REGIONS);
            if (regions != null) {
                b.regions.addAll(regions(regions));
            }
        }
        if (b.functionKey == null) {
            String key = get(FUNCTION_KEY);
            Path file = get(FUNCTION_KEY_FILE);
            if (key != null) {
                b.functionKey = key;
            } else if (file != null && b.functionKeySource == null) {
                b.functionKeySource = keyFile(FUNCTION_KEY_FILE, file);
            }
        }
        if (b.credential == null) {
            String kind = get(CREDENTIAL);
            if (kind != null && !kind.equals("none")) {
                b.credential = Credentials.create(kind, this);
            }
        }
        if (b.scope == null) {
            b.scope = get(SCOPE);
        }
        if (b.failover == null && (source.isSet(MAX_ATTEMPTS) || source.isSet(BUDGET_RATIO) || source.isSet(BUDGET_FLOOR)
            || source.isSet(HEDGE_READS) || source.isSet(WAIT_WHEN_THROTTLED))) {
            b.failover = FailoverOptions.builder().maxAttempts(source.getOrDefault(MAX_ATTEMPTS))
                .retryBudgetRatio(source.getOrDefault(BUDGET_RATIO)).retryBudgetFloor(source.getOrDefault(BUDGET_FLOOR))
                .hedgeReads(source.getOrDefault(HEDGE_READS)).waitWhenThrottled(source.getOrDefault(WAIT_WHEN_THROTTLED))
                .build();
        }
        if (b.allowPlainHttp == null) {
            b.allowPlainHttp = get(ALLOW_PLAIN_HTTP);
        }
        applyTransportTo(b);
        if (b.maxResponseBytes == null) {
            b.maxResponseBytes = get(MAX_RESPONSE_SIZE);
        }
        if (b.staleIfError == null) {
            b.staleIfError = get(STALE_IF_ERROR);
        }
        if (b.staleMaxEntries == null) {
            b.staleMaxEntries = get(STALE_MAX_ENTRIES);
        }
        if (b.staleMaxBytes == null) {
            b.staleMaxBytes = get(STALE_MAX_SIZE);
        }
        if (b.staleCacheAuthorized == null) {
            b.staleCacheAuthorized = get(STALE_AUTHORIZED);
        }
    }

    /**
     * Fills the transport settings the builder left unset: timeouts, proxy, TLS and DNS refresh. Also used for
     * {@link FunctionClientBuilder#buildHttpClient()}, which needs no region.
     */
    void applyTransportTo(FunctionClientBuilder b) {
        if (b.timeouts == null && (source.isSet(TIMEOUT_CONNECT) || source.isSet(TIMEOUT_RESPONSE)
            || source.isSet(TIMEOUT_READ) || source.isSet(TIMEOUT_CALL))) {
            b.timeouts = TimeoutOptions.builder().connect(source.getOrDefault(TIMEOUT_CONNECT))
                .response(source.getOrDefault(TIMEOUT_RESPONSE)).read(source.getOrDefault(TIMEOUT_READ))
                .call(source.getOrDefault(TIMEOUT_CALL)).build();
        }
        if (b.proxy == null) {
            InetSocketAddress proxy = get(PROXY);
            if (proxy != null) {
                b.proxy = proxyOptions(proxy);
            }
        }
        if (b.proxyFromEnvironment == null) {
            b.proxyFromEnvironment = get(PROXY_FROM_ENVIRONMENT);
        }
        if (b.tls == null) {
            b.tls = tls();
        }
        if (b.dnsRefresh == null) {
            b.dnsRefresh = get(DNS_REFRESH);
        }
    }

    private List<Region> regions(Map<String, String> regions) {
        List<Region> out = new ArrayList<>();
        regions.forEach((name, url) -> {
            Region.Builder r = Region.builder(name, url); // validated when the list was parsed
            String key = source.get(REGION_KEY, name);
            String keyEnv = source.get(REGION_KEY_ENV, name);
            Path keyFile = source.get(REGION_KEY_FILE, name);
            if (key != null) {
                r.functionKey(key);
            } else if (keyEnv != null) {
                String v = variables.apply(keyEnv);
                if (v == null || v.isBlank()) {
                    throw new IllegalArgumentException("Setting " + source.label(REGION_KEY_ENV, name) + " names the"
                        + " environment variable '" + keyEnv + "', which is not set: export it with the function key of"
                        + " region '" + name + "'");
                }
                try {
                    r.functionKey(headerSafe(v.trim()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("Setting " + source.label(REGION_KEY_ENV, name) + " names the"
                        + " environment variable '" + keyEnv + "', whose value is not a usable function key: "
                        + e.getMessage() + " (the value is secret and not shown)");
                }
            } else if (keyFile != null) {
                try {
                    r.functionKeyFromFile(keyFile);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("Setting " + source.label(REGION_KEY_FILE, name) + ": " + e.getMessage(), e);
                }
            }
            r.priority(source.getOrDefault(REGION_PRIORITY, name));
            r.weight(source.getOrDefault(REGION_WEIGHT, name));
            slot(r, name);
            out.add(r.build());
        });
        return out;
    }

    /** The region's deployment slot for canary releases, with its own key. */
    private void slot(Region.Builder r, String name) {
        Map.Entry<String, String> slot = source.get(REGION_SLOT, name);
        String key = source.get(REGION_SLOT_KEY, name);
        Path keyFile = source.get(REGION_SLOT_KEY_FILE, name);
        if (slot == null) {
            if (key != null || keyFile != null) {
                throw new IllegalArgumentException("Setting " + source.label(key != null ? REGION_SLOT_KEY
                    : REGION_SLOT_KEY_FILE, name) + " gives a slot key but " + source.label(REGION_SLOT, name)
                    + " names no slot: set it as slot=baseUrl, such as staging=https://orders-we-staging.azurewebsites.net");
            }
            return;
        }
        r.slot(slot.getKey(), slot.getValue());
        if (key != null) {
            r.slotFunctionKey(key);
        } else if (keyFile != null) {
            try {
                r.slotFunctionKeyFromFile(keyFile);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Setting " + source.label(REGION_SLOT_KEY_FILE, name) + ": "
                    + e.getMessage(), e);
            }
        }
    }

    private static Map.Entry<String, String> parseSlot(String v) {
        int eq = v.indexOf('=');
        if (eq <= 0 || eq == v.length() - 1) {
            throw new IllegalArgumentException();
        }
        String slot = v.substring(0, eq).trim();
        String url = v.substring(eq + 1).trim();
        try {
            Region.builder("check", "https://check.example").slot(slot, url); // validates both
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace(" of region 'check'", "")
                .replace("region 'check'", "the slot"), e);
        }
        return Map.entry(slot, url);
    }

    /** A key file read again when it changes, like a region's key file. */
    private java.util.function.Supplier<String> keyFile(Setting<Path> setting, Path file) {
        try {
            return FileKey.of("the client's default key", file);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Setting " + source.label(setting, null) + ": " + e.getMessage()
                + "; check the path and its permissions", e);
        }
    }

    private TlsOptions tls() {
        Path pem = get(TRUST_PEM);
        Path store = get(TRUST_STORE);
        Path client = get(CLIENT_CERT);
        Boolean system = get(INCLUDE_SYSTEM_TRUST);
        if (pem == null && store == null && client == null) {
            return null;
        }
        TlsOptions.Builder t = TlsOptions.builder();
        if (pem != null) {
            t.trustPem(existing(TRUST_PEM, pem));
        }
        if (store != null) {
            String pw = get(TRUST_STORE_PASSWORD);
            t.trustStore(existing(TRUST_STORE, store), source.getOrDefault(TRUST_STORE_TYPE), pw == null ? null : pw.toCharArray());
        }
        if (client != null) {
            String pw = get(CLIENT_CERT_PASSWORD);
            t.clientCertificate(existing(CLIENT_CERT, client), pw == null ? null : pw.toCharArray());
        }
        if (system != null) {
            t.includeSystemTrust(system);
        }
        return t.build();
    }

    Path existing(Setting<Path> setting, Path p) {
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException("Setting " + source.label(setting, null) + ": file " + p
                + " does not exist or is not readable; check the path and its permissions");
        }
        return p;
    }

    private ProxyOptions proxyOptions(InetSocketAddress address) {
        ProxyOptions p = new ProxyOptions(ProxyOptions.Type.HTTP, address);
        String user = get(PROXY_USER);
        String pw = get(PROXY_PASSWORD);
        if (user != null || pw != null) {
            if (user == null || pw == null) {
                throw new IllegalArgumentException("Setting " + source.label(user == null ? PROXY_PASSWORD : PROXY_USER, null)
                    + " is set without " + source.label(user == null ? PROXY_USER : PROXY_PASSWORD, null)
                    + ": set both, or neither");
            }
            p.setCredentials(user, pw);
        }
        String nonProxy = get(NON_PROXY_HOSTS);
        if (nonProxy != null) {
            p.setNonProxyHosts(nonProxy);
        }
        return p;
    }

    // ---- value checks used by the declarations ----

    /** A function key goes into a header: visible ASCII only, so no CR/LF can split the request. */
    static String headerSafe(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException("a key holds only visible ASCII characters, without spaces, tabs or"
                    + " line breaks");
            }
        }
        return key;
    }

    private static String variableName(String v) {
        if (!VARIABLE.matcher(v).matches()) {
            throw new IllegalArgumentException("letters, digits and underscores, not starting with a digit");
        }
        return v;
    }

    /** {@code name=url,...} in order; each name once; each URL a valid region base URL. */
    static Map<String, String> parseRegionList(String value) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("'" + Redaction.url(p) + "' is no name=baseUrl pair");
            }
            String name = p.substring(0, eq).trim();
            String url = p.substring(eq + 1).trim();
            Region.builder(name, url); // throws, saying what is wrong with the name or URL
            if (out.put(name, url) != null) {
                throw new IllegalArgumentException("each region name once; '" + name + "' appears twice");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("at least one name=baseUrl pair");
        }
        return out;
    }

    /** Only {@code http://host:port} (or {@code host:port}): the transport speaks HTTP CONNECT to the proxy. */
    static InetSocketAddress parseProxy(String value) {
        URI uri;
        try {
            uri = new URI(value.contains("://") ? value : "http://" + value);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http")) {
            throw new IllegalArgumentException("the scheme " + scheme + ":// is not supported; Branchline talks to"
                + " proxies over HTTP (CONNECT), so use http://");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("no user or password in the URL: set branchline.proxy.user and"
                + " branchline.proxy.password");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host");
        }
        if (uri.getPort() < 1 || uri.getPort() > 65535) {
            throw new IllegalArgumentException(uri.getPort() == -1 ? "no port" : "port " + uri.getPort()
                + " is outside 1-65535");
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")
            || uri.getRawQuery() != null) {
            throw new IllegalArgumentException("no path or query");
        }
        return InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort());
    }
}
