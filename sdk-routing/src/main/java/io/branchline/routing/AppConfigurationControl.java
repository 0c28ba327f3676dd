package io.branchline.routing;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.BearerTokenAuthenticationPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import io.branchline.core.FunctionClientBuilder;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Run-time control from Azure App Configuration, read through its data-plane REST API (api-version 1.0) on
 * azure-core's {@code HttpPipeline}, as the telemetry exporter speaks Azure Monitor ingestion: the keys under a
 * prefix ({@value #DEFAULT_KEY_PREFIX} by default, such as {@code branchline/control/exclude}), fleet-wide under the environment's label (no label by default), overridden
 * by the label {@code group=<name>} of this branch's group and then by {@code branch=<id>} of this branch. One list
 * request per poll carries the page's ETag in {@code If-None-Match}, so a poll while nothing changed is answered
 * {@code 304} with no body. Requests go through the client's HTTP client (proxy, TLS trust) when built from settings.
 *
 * <pre>{@code
 * NearestRegionRouter.builder()
 *     .control(AppConfigurationControl.builder()
 *         .connectionString(System.getenv("BRANCHLINE_CONTROL_APPCONFIG_CONNECTION_STRING"))
 *         .environment("production").group("north").branch("branch-042")
 *         .build())
 *     .lastKnownGood(Path.of("/var/lib/branchline/routing.state"))   // the last good control is kept beside it
 *     .build();
 * }</pre>
 */
public final class AppConfigurationControl implements ControlSource {
    /** Default key prefix: {@value}. */
    public static final String DEFAULT_KEY_PREFIX = "branchline/control/";
    /** Default time between two polls: 30 seconds. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

    /** The API version of the data-plane REST API used. */
    static final String API_VERSION = "1.0";
    private static final HttpHeaderName ACCEPT = HttpHeaderName.ACCEPT;

    private final HttpPipeline pipeline;
    private final String endpoint;
    private final String description;
    private final String keyPrefix;
    private final Duration interval;
    /** Labels from the weakest to the strongest. */
    private final List<String> labels;
    private final AutoCloseable ownedHttp;
    /** The ETag of the one page last read; polls never overlap. */
    private volatile String etag;

    private AppConfigurationControl(Builder b, HttpPipeline pipeline, String endpoint, AutoCloseable owned) {
        this.pipeline = pipeline;
        this.endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.keyPrefix = b.keyPrefix;
        this.interval = b.interval;
        List<String> l = new ArrayList<>();
        l.add(b.environment == null ? "\0" : b.environment);
        if (b.group != null) {
            l.add("group=" + b.group);
        }
        l.add("branch=" + b.branch);
        this.labels = List.copyOf(l);
        this.description = "App Configuration " + endpoint + " (keys " + keyPrefix + "*, labels "
            + String.join(", ", l.stream().map(x -> x.equals("\0") ? "(none)" : x).toList()) + ")";
        this.ownedHttp = owned;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public Duration pollInterval() {
        return interval;
    }

    @Override
    public Mono<Map<String, String>> poll() {
        StringBuilder labelFilter = new StringBuilder();
        for (String l : labels) {
            labelFilter.append(labelFilter.length() == 0 ? "" : ",").append(l.equals("\0") ? "\0" : escape(l));
        }
        String url = endpoint + "/kv?key=" + encode(escape(keyPrefix) + "*") + "&label=" + encode(labelFilter.toString())
            + "&api-version=" + API_VERSION;
        String known = etag;
        return page(url, known).flatMap(first -> {
            if (first.notModified) {
                return Mono.<Map<String, String>>empty();
            }
            return collect(first, new ArrayList<>()).map(items -> {
                etag = first.next == null ? first.etag : null; // one page: its ETag makes the next poll a 304
                Map<String, String> out = new TreeMap<>();
                for (String label : labels) { // weakest first: a stronger label overwrites
                    for (String[] kv : items) {
                        if (kv[1].equals(label) && kv[0].startsWith(keyPrefix) && kv[2] != null) {
                            out.put(kv[0].substring(keyPrefix.length()), kv[2]);
                        }
                    }
                }
                return out;
            });
        });
    }

    /** One page of key-values: key, label ({@code \0} for none), value. */
    private record Page(boolean notModified, String etag, String next, List<String[]> items) {
    }

    private Mono<List<String[]>> collect(Page p, List<String[]> all) {
        all.addAll(p.items);
        if (p.next == null) {
            return Mono.just(all);
        }
        String next = p.next.startsWith("http") ? p.next : endpoint + (p.next.startsWith("/") ? "" : "/") + p.next;
        return page(next, null).flatMap(n -> collect(n, all));
    }

    private Mono<Page> page(String url, String ifNoneMatch) {
        HttpRequest request = new HttpRequest(HttpMethod.GET, url)
            .setHeader(ACCEPT, "application/vnd.microsoft.appconfig.kvset+json, application/problem+json");
        if (ifNoneMatch != null) {
            request.setHeader(HttpHeaderName.IF_NONE_MATCH, ifNoneMatch);
        }
        return pipeline.send(request).flatMap(response -> {
            int status = response.getStatusCode();
            String tag = response.getHeaderValue(HttpHeaderName.ETAG);
            if (status == 304) {
                response.close();
                return Mono.just(new Page(true, tag, null, List.of()));
            }
            return response.getBodyAsByteArray().defaultIfEmpty(new byte[0]).flatMap(body -> {
                response.close();
                if (status != 200) {
                    return Mono.error(new IOException("App Configuration answered HTTP " + status + problem(body)));
                }
                try {
                    return Mono.just(parse(body, tag));
                } catch (IOException | RuntimeException e) {
                    return Mono.error(new IOException("App Configuration sent an unreadable page: "
                        + e.getClass().getSimpleName()));
                }
            });
        });
    }

    private static Page parse(byte[] body, String etag) throws IOException {
        try (JsonReader r = JsonProviders.createReader(body)) {
            Map<String, Object> root = r.readMap(JsonReader::readUntyped);
            List<String[]> items = new ArrayList<>();
            Object list = root.get("items");
            if (list instanceof List<?> l) {
                for (Object o : l) {
                    if (o instanceof Map<?, ?> m && m.get("key") instanceof String key) {
                        Object label = m.get("label");
                        Object value = m.get("value");
                        items.add(new String[] {key, label == null ? "\0" : label.toString(),
                            value == null ? null : value.toString()});
                    }
                }
            }
            Object next = root.get("@nextLink");
            return new Page(false, etag, next == null ? null : next.toString(), items);
        }
    }

    /** The title of an {@code application/problem+json} answer, when there is one; never a secret. */
    private static String problem(byte[] body) {
        try (JsonReader r = JsonProviders.createReader(body)) {
            Object title = r.readMap(JsonReader::readUntyped).get("title");
            return title == null ? "" : ": " + title;
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Escapes a filter term as the API asks: {@code \}, {@code *} and {@code ,} are preceded by {@code \}. */
    private static String escape(String term) {
        return term.replace("\\", "\\\\").replace("*", "\\*").replace(",", "\\,");
    }

    private static String encode(String v) {
        return URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public void close() {
        if (ownedHttp != null) {
            try {
                ownedHttp.close();
            } catch (Exception ignored) {
                // closing a connection pool
            }
        }
    }

    /** Checks a connection string's form without ever repeating it. */
    static String[] parseConnectionString(String cs) {
        String endpoint = null;
        String id = null;
        String secret = null;
        for (String part : cs.split(";")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String k = part.substring(0, eq).trim();
            String v = part.substring(eq + 1).trim();
            if (k.equalsIgnoreCase("Endpoint")) {
                endpoint = v;
            } else if (k.equalsIgnoreCase("Id")) {
                id = v;
            } else if (k.equalsIgnoreCase("Secret")) {
                secret = v;
            }
        }
        if (endpoint == null || id == null || secret == null || endpoint.isEmpty() || id.isEmpty() || secret.isEmpty()) {
            throw new IllegalArgumentException("an App Configuration connection string needs Endpoint=, Id= and"
                + " Secret= (the value is secret and not shown)");
        }
        return new String[] {endpoint, id, secret};
    }

    /** Builds an {@link AppConfigurationControl}. */
    public static final class Builder {
        private String connectionString;
        private String endpoint;
        private TokenCredential credential;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private String environment;
        private String group;
        private String branch = ControlSettings.defaultBranchId();
        private Duration interval = DEFAULT_INTERVAL;
        private HttpClient httpClient;

        private Builder() {
        }

        /**
         * Authenticates with an access key: {@code Endpoint=https://<store>.azconfig.io;Id=...;Secret=...}.
         *
         * @param connectionString the store's connection string (read-only keys are enough)
         * @return this builder
         */
        public Builder connectionString(String connectionString) {
            parseConnectionString(Objects.requireNonNull(connectionString, "connectionString"));
            this.connectionString = connectionString;
            return this;
        }

        /**
         * Authenticates with Entra ID: the store's endpoint and a credential holding the App Configuration Data
         * Reader role.
         *
         * @param endpoint such as {@code https://fleet.azconfig.io}
         * @param credential such as a managed identity
         * @return this builder
         */
        public Builder endpoint(String endpoint, TokenCredential credential) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            this.credential = Objects.requireNonNull(credential, "credential");
            return this;
        }

        Builder endpoint(String endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        /**
         * Sets the key prefix; default {@value #DEFAULT_KEY_PREFIX}.
         *
         * @param prefix the prefix, without {@code *}
         * @return this builder
         */
        public Builder keyPrefix(String prefix) {
            this.keyPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /**
         * Sets the label of fleet-wide values, such as {@code production}; default: values without a label.
         *
         * @param label the label
         * @return this builder
         */
        public Builder environment(String label) {
            this.environment = Objects.requireNonNull(label, "label");
            return this;
        }

        /**
         * Sets this branch's group: values labelled {@code group=<name>} override fleet-wide ones.
         *
         * @param name the group
         * @return this builder
         */
        public Builder group(String name) {
            this.group = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets this branch's id: values labelled {@code branch=<id>} override everything; default: the host name.
         *
         * @param id the branch id
         * @return this builder
         */
        public Builder branch(String id) {
            this.branch = Objects.requireNonNull(id, "id");
            return this;
        }

        /**
         * Sets the time between two polls; default 30 s.
         *
         * @param interval at least 1 s
         * @return this builder
         */
        public Builder interval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("interval must be at least 1 s, was " + interval);
            }
            this.interval = interval;
            return this;
        }

        /**
         * Sends through this HTTP client, such as the one the function client uses (its proxy and TLS trust);
         * default: one built like the client's from the environment and system properties.
         *
         * @param httpClient the HTTP client
         * @return this builder
         */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
            return this;
        }

        /**
         * Builds the source.
         *
         * @return the source, for one router
         * @throws IllegalStateException when neither a connection string nor an endpoint with a credential is set
         */
        public AppConfigurationControl build() {
            if (connectionString == null && (endpoint == null || credential == null)) {
                throw new IllegalStateException("App Configuration control needs connectionString(...) or"
                    + " endpoint(url, credential)");
            }
            HttpClient http = httpClient;
            AutoCloseable owned = null;
            if (http == null) {
                http = new FunctionClientBuilder().buildHttpClient();
                owned = http instanceof AutoCloseable c ? c : null;
            }
            HttpPipelinePolicy auth;
            String url;
            if (connectionString != null) {
                String[] parts = parseConnectionString(connectionString);
                url = parts[0];
                auth = new AppConfigurationHmacPolicy(parts[1], parts[2]);
            } else {
                url = endpoint;
                String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
                auth = new BearerTokenAuthenticationPolicy(credential, base + "/.default");
            }
            HttpPipeline pipeline = new HttpPipelineBuilder().httpClient(http).policies(auth).build();
            return new AppConfigurationControl(this, pipeline, url, owned);
        }

        /** With the endpoint only: Entra ID through azure-identity's default credential chain, when present. */
        AppConfigurationControl buildWithDefaultCredential() {
            if (credential == null && connectionString == null) {
                try {
                    Object b = Class.forName("com.azure.identity.DefaultAzureCredentialBuilder").getConstructor()
                        .newInstance();
                    credential = (TokenCredential) b.getClass().getMethod("build").invoke(b);
                } catch (ReflectiveOperationException | LinkageError e) {
                    throw new IllegalStateException("Setting " + ControlSettings.APPCONFIG_ENDPOINT.name() + " uses"
                        + " Entra ID, which needs com.azure:azure-identity on the class path: add it, or set "
                        + ControlSettings.APPCONFIG_CONNECTION_STRING.name() + " instead", e);
                }
            }
            return build();
        }
    }
}
