package io.branchline.core;

import com.azure.core.http.ProxyOptions;
import com.azure.core.util.Configuration;
import io.branchline.core.models.FailoverOptions;
import io.branchline.core.models.TimeoutOptions;
import io.branchline.core.models.TlsOptions;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * Reads {@code branchline.*} properties, or the same settings as {@code BRANCHLINE_*} environment variables (the
 * property name upper-cased, dots and dashes turned into underscores), and applies them under a builder's own
 * settings. Every malformed setting fails with a message naming it, its value (unless secret) and the fix.
 */
final class Settings {
    /** One documented setting. */
    record Def(String property, String defaultValue, boolean secret, String meaning) {
        String env() {
            return envName(property);
        }
    }

    /** Every fixed setting, in the order the README documents them. */
    static final List<Def> DEFS = List.of(
        new Def("branchline.regions", null, false,
            "Regions as name=baseUrl pairs separated by commas, e.g. westeurope=https://orders-we.azurewebsites.net"),
        new Def("branchline.region.<name>.key", null, true, "Function key of one region's app (x-functions-key)"),
        new Def("branchline.region.<name>.key-env", null, false, "Name of an environment variable holding that key"),
        new Def("branchline.region.<name>.key-file", null, false, "File holding that key, read again when it changes (rotation)"),
        new Def("branchline.region.<name>.priority", "100", false, "Lower is preferred by priority routing"),
        new Def("branchline.region.<name>.weight", "100", false, "Share of traffic under weighted routing, 1-10000"),
        new Def("branchline.function-key", null, true, "Function key for regions without one of their own"),
        new Def("branchline.function-key-file", null, false, "File holding that default key"),
        new Def("branchline.credential", "none", false,
            "Entra ID credential kind: none, managed-identity, client-secret, client-certificate, azure-cli, default"
                + " (needs com.azure:azure-identity)"),
        new Def("branchline.credential.client-id", null, false, "Client id (user-assigned managed identity or app registration)"),
        new Def("branchline.credential.tenant-id", null, false, "Tenant id for client-secret and client-certificate"),
        new Def("branchline.credential.client-secret", null, true, "Client secret for client-secret"),
        new Def("branchline.credential.certificate-path", null, false, "PEM or PFX certificate for client-certificate"),
        new Def("branchline.credential.certificate-password", null, true, "Password of a PFX certificate"),
        new Def("branchline.scope", null, false, "Token scope, e.g. api://<client-id>/.default; required with a credential"),
        new Def("branchline.timeout.connect", "3s", false, "Time to open a TCP and TLS connection"),
        new Def("branchline.timeout.response", "10s", false, "Per-attempt time until the response headers arrive"),
        new Def("branchline.timeout.read", "10s", false, "Longest pause between reads of a response body"),
        new Def("branchline.timeout.call", "30s", false, "Default deadline of a whole call, every attempt and wait included"),
        new Def("branchline.failover.max-attempts", "3", false, "Most attempts of one call, hedges included (1-10)"),
        new Def("branchline.failover.retry-budget-ratio", "0.2", false, "Retries and hedges allowed as a fraction of calls"),
        new Def("branchline.failover.retry-budget-floor", "10", false, "Retries and hedges always allowed per second"),
        new Def("branchline.failover.hedge-reads", "true", false, "Hedge GET and HEAD calls to a second region when slow"),
        new Def("branchline.failover.wait-when-throttled", "true", false,
            "Wait within the deadline when every region asked to back off, instead of failing"),
        new Def("branchline.proxy", null, false, "HTTP proxy URL, e.g. http://proxy.corp:3128"),
        new Def("branchline.proxy.user", null, false, "Proxy user name"),
        new Def("branchline.proxy.password", null, true, "Proxy password"),
        new Def("branchline.proxy.non-proxy-hosts", null, false, "Hosts that bypass the proxy, separated by |, e.g. localhost|*.corp"),
        new Def("branchline.proxy.from-environment", "false", false, "Use HTTPS_PROXY / HTTP_PROXY / NO_PROXY"),
        new Def("branchline.tls.trust-pem", null, false, "PEM file of CA certificates to trust (TLS inspection, private CA)"),
        new Def("branchline.tls.trust-store", null, false, "Trust store file (PKCS12 or JKS)"),
        new Def("branchline.tls.trust-store-type", "PKCS12", false, "Trust store type"),
        new Def("branchline.tls.trust-store-password", null, true, "Trust store password"),
        new Def("branchline.tls.include-system-trust", "true", false, "Keep trusting the JVM's default CAs"),
        new Def("branchline.tls.client-cert", null, false, "PKCS#12 file with a client certificate and key (mutual TLS)"),
        new Def("branchline.tls.client-cert-password", null, true, "Its password"),
        new Def("branchline.allow-plain-http", "false", false, "Allow http:// regions (local testing only)"),
        new Def("branchline.dns-refresh", "30s", false, "Connections are replaced after this long so names resolve again"),
        new Def("branchline.max-response-size", "16MiB", false, "Largest response body accepted, e.g. 512KiB, 16MiB"));

    private final SettingValues values;
    /** Where {@code key-env} variables are looked up: the environment map read, else the process environment. */
    private final Function<String, String> variables;

    private Settings(SettingValues values, Function<String, String> variables) {
        this.values = values;
        this.variables = variables;
    }

    static Settings fromProperties(Properties p) {
        return new Settings(SettingValues.fromProperties(p), System::getenv);
    }

    static Settings fromEnvironment(Map<String, String> env) {
        Map<String, String> copy = Map.copyOf(env);
        return new Settings(SettingValues.fromEnvironment(copy), copy::get);
    }

    static Settings fromConfiguration(Configuration config) {
        return new Settings(SettingValues.of(name -> {
            String v = config.get(name);
            return v != null && !v.isBlank() ? v : config.get(envName(name));
        }, "configuration", name -> name + " (" + envName(name) + ")"), System::getenv);
    }

    static String envName(String property) {
        return SettingValues.environmentName(property);
    }

    private String label(String property) {
        return values.label(property);
    }

    String get(String property) {
        return values.get(property);
    }

    /** Fills whatever the builder left unset. */
    void applyTo(FunctionClientBuilder b) {
        if (b.regions.isEmpty() && b.endpoint == null) {
            String regions = get("branchline.regions");
            if (regions != null) {
                b.regions.addAll(parseRegions(regions));
            }
        }
        if (b.functionKey == null) {
            String key = get("branchline.function-key");
            String file = get("branchline.function-key-file");
            if (key != null) {
                b.functionKey = key;
            } else if (file != null && b.functionKeySource == null) {
                b.functionKeySource = keyFile("branchline.function-key-file", file);
            }
        }
        if (b.credential == null) {
            String kind = get("branchline.credential");
            if (kind != null && !kind.equalsIgnoreCase("none")) {
                b.credential = Credentials.create(kind, this);
            }
        }
        if (b.scope == null) {
            b.scope = get("branchline.scope");
        }
        if (b.failover == null) {
            FailoverOptions.Builder f = FailoverOptions.builder();
            boolean any = false;
            Integer i;
            if ((i = integer("branchline.failover.max-attempts", 1, 10)) != null) {
                f.maxAttempts(i);
                any = true;
            }
            String ratio = get("branchline.failover.retry-budget-ratio");
            if (ratio != null) {
                try {
                    f.retryBudgetRatio(Double.parseDouble(ratio));
                } catch (IllegalArgumentException e) {
                    throw bad("branchline.failover.retry-budget-ratio", ratio, "a number from 0.0 to 1.0, e.g. 0.2");
                }
                any = true;
            }
            if ((i = integer("branchline.failover.retry-budget-floor", 0, 100_000)) != null) {
                f.retryBudgetFloor(i);
                any = true;
            }
            Boolean h;
            if ((h = bool("branchline.failover.hedge-reads")) != null) {
                f.hedgeReads(h);
                any = true;
            }
            if ((h = bool("branchline.failover.wait-when-throttled")) != null) {
                f.waitWhenThrottled(h);
                any = true;
            }
            if (any) {
                b.failover = f.build();
            }
        }
        if (b.allowPlainHttp == null) {
            b.allowPlainHttp = bool("branchline.allow-plain-http");
        }
        applyTransportTo(b);
        if (b.maxResponseBytes == null) {
            b.maxResponseBytes = values.size("branchline.max-response-size", 1, "a size such as 1048576, 512KiB or 16MiB");
        }
    }

    /**
     * Fills the transport settings the builder left unset: timeouts, proxy, TLS and DNS refresh. Also used for
     * {@link FunctionClientBuilder#buildHttpClient()}, which needs no region.
     */
    void applyTransportTo(FunctionClientBuilder b) {
        if (b.timeouts == null) {
            TimeoutOptions.Builder t = TimeoutOptions.builder();
            boolean any = false;
            Duration d;
            if ((d = duration("branchline.timeout.connect")) != null) {
                t.connect(d);
                any = true;
            }
            if ((d = duration("branchline.timeout.response")) != null) {
                t.response(d);
                any = true;
            }
            if ((d = duration("branchline.timeout.read")) != null) {
                t.read(d);
                any = true;
            }
            if ((d = duration("branchline.timeout.call")) != null) {
                t.call(d);
                any = true;
            }
            if (any) {
                b.timeouts = t.build();
            }
        }
        if (b.proxy == null) {
            String proxy = get("branchline.proxy");
            if (proxy != null) {
                b.proxy = parseProxy(proxy);
            }
        }
        if (b.proxyFromEnvironment == null) {
            b.proxyFromEnvironment = bool("branchline.proxy.from-environment");
        }
        if (b.tls == null) {
            b.tls = tls();
        }
        if (b.dnsRefresh == null) {
            Duration d = duration("branchline.dns-refresh");
            if (d != null) {
                if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofHours(1)) > 0) {
                    throw bad("branchline.dns-refresh", d.toString(), "a duration from 1s to 1h, e.g. 30s");
                }
                b.dnsRefresh = d;
            }
        }
    }

    List<Region> parseRegions(String value) {
        List<Region> out = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw bad("branchline.regions", Redaction.url(value),
                    "name=baseUrl pairs separated by commas, e.g. westeurope=https://orders-we.azurewebsites.net,"
                        + "northeurope=https://orders-ne.azurewebsites.net");
            }
            String name = p.substring(0, eq).trim();
            String url = p.substring(eq + 1).trim();
            if (seen.put(name, url) != null) {
                throw bad("branchline.regions", Redaction.url(value), "each region name once; '" + name + "' appears twice");
            }
            Region.Builder r;
            try {
                r = Region.builder(name, url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Setting " + label("branchline.regions") + ": " + e.getMessage(), e);
            }
            String prefix = "branchline.region." + name + ".";
            String key = get(prefix + "key");
            String keyEnv = get(prefix + "key-env");
            String keyFile = get(prefix + "key-file");
            if (key != null) {
                r.functionKey(key);
            } else if (keyEnv != null) {
                String v = variables.apply(keyEnv);
                if (v == null || v.isBlank()) {
                    throw new IllegalArgumentException("Setting " + label(prefix + "key-env") + " names the environment"
                        + " variable '" + keyEnv + "', which is not set: export it with the function key of region '"
                        + name + "'");
                }
                r.functionKey(v);
            } else if (keyFile != null) {
                try {
                    r.functionKeyFromFile(Path.of(keyFile));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("Setting " + label(prefix + "key-file") + ": " + e.getMessage(), e);
                }
            }
            Integer priority = integer(prefix + "priority", 0, Integer.MAX_VALUE);
            if (priority != null) {
                r.priority(priority);
            }
            Integer weight = integer(prefix + "weight", 1, 10_000);
            if (weight != null) {
                r.weight(weight);
            }
            out.add(r.build());
        }
        if (out.isEmpty()) {
            throw bad("branchline.regions", value, "at least one name=baseUrl pair");
        }
        return out;
    }

    /** A key file read again when it changes, like a region's key file. */
    private java.util.function.Supplier<String> keyFile(String property, String file) {
        try {
            return Region.fileKey("the client's default key", Path.of(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Setting " + label(property) + ": " + e.getMessage()
                + "; check the path and its permissions", e);
        }
    }

    private TlsOptions tls() {
        String pem = get("branchline.tls.trust-pem");
        String store = get("branchline.tls.trust-store");
        String client = get("branchline.tls.client-cert");
        Boolean system = bool("branchline.tls.include-system-trust");
        if (pem == null && store == null && client == null) {
            return null;
        }
        TlsOptions.Builder t = TlsOptions.builder();
        if (pem != null) {
            t.trustPem(existing("branchline.tls.trust-pem", pem));
        }
        if (store != null) {
            String pw = get("branchline.tls.trust-store-password");
            String type = get("branchline.tls.trust-store-type");
            t.trustStore(existing("branchline.tls.trust-store", store), type == null ? "PKCS12" : type,
                pw == null ? null : pw.toCharArray());
        }
        if (client != null) {
            String pw = get("branchline.tls.client-cert-password");
            t.clientCertificate(existing("branchline.tls.client-cert", client), pw == null ? null : pw.toCharArray());
        }
        if (system != null) {
            t.includeSystemTrust(system);
        }
        return t.build();
    }

    Path existing(String property, String file) {
        Path p;
        try {
            p = Path.of(file);
        } catch (java.nio.file.InvalidPathException e) {
            throw bad(property, file, "a file path");
        }
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException("Setting " + label(property) + ": file " + file
                + " does not exist or is not readable; check the path and its permissions");
        }
        return p;
    }

    private ProxyOptions parseProxy(String value) {
        URI uri;
        try {
            uri = new URI(value.contains("://") ? value : "http://" + value);
        } catch (java.net.URISyntaxException e) {
            throw bad("branchline.proxy", Redaction.url(value), "a proxy URL such as http://proxy.corp:3128");
        }
        if (uri.getHost() == null || uri.getPort() <= 0) {
            throw bad("branchline.proxy", Redaction.url(value), "a proxy URL with host and port, such as http://proxy.corp:3128");
        }
        if (uri.getUserInfo() != null) {
            throw bad("branchline.proxy", Redaction.url(value),
                "no user or password in the URL: set branchline.proxy.user and branchline.proxy.password");
        }
        ProxyOptions p = new ProxyOptions(ProxyOptions.Type.HTTP, InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort()));
        String user = get("branchline.proxy.user");
        String pw = get("branchline.proxy.password");
        if (user != null) {
            if (pw == null) {
                throw new IllegalArgumentException("Setting " + label("branchline.proxy.user") + " is set without "
                    + label("branchline.proxy.password") + ": set both, or neither");
            }
            p.setCredentials(user, pw);
        }
        String nonProxy = get("branchline.proxy.non-proxy-hosts");
        if (nonProxy != null) {
            p.setNonProxyHosts(nonProxy);
        }
        return p;
    }

    Duration duration(String property) {
        return values.duration(property, false);
    }

    Integer integer(String property, int min, int max) {
        return values.integer(property, min, max);
    }

    Boolean bool(String property) {
        return values.bool(property);
    }

    IllegalArgumentException bad(String property, String value, String expected) {
        boolean secret = false;
        for (Def d : DEFS) {
            if (d.property().equals(property) && d.secret()) {
                secret = true;
            }
        }
        return values.invalid(property, secret ? null : value, expected);
    }
}
