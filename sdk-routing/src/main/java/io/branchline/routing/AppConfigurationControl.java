package io.branchline.routing;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.MatchConditions;
import com.azure.core.http.rest.PagedResponse;
import com.azure.core.util.Configuration;
import com.azure.data.appconfiguration.ConfigurationAsyncClient;
import com.azure.data.appconfiguration.ConfigurationClientBuilder;
import com.azure.data.appconfiguration.models.ConfigurationSetting;
import com.azure.data.appconfiguration.models.SettingFields;
import com.azure.data.appconfiguration.models.SettingSelector;
import io.branchline.core.FunctionClientBuilder;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Run-time control from Azure App Configuration, read with the official {@code azure-data-appconfiguration} client:
 * the keys under a prefix ({@value #DEFAULT_KEY_PREFIX} by default, such as {@code branchline/control/exclude}),
 * fleet-wide under the environment's label (no label by default), overridden by the label {@code group=<name>} of
 * this branch's group and then by {@code branch=<id>} of this branch. Each poll lists those key-values with the
 * ETags of the pages last read as {@code If-None-Match} conditions, so a poll while nothing changed costs one request
 * answered {@code 304} with no body. Requests go through the function client's HTTP client (proxy, TLS trust) when
 * built from settings; a failed poll is not retried before the next interval.
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

    private final ConfigurationAsyncClient client;
    private final String description;
    private final String keyPrefix;
    private final Duration interval;
    /** Labels from the weakest to the strongest; {@code null} for values without a label. */
    private final List<String> labels;
    private final String labelFilter;
    private final AutoCloseable ownedHttp;
    /** The pages last read, each with its ETag and key-values; polls never overlap. */
    private volatile List<Page> pages = List.of();

    /** One page of a listing: its ETag and its key-values. */
    private record Page(String etag, List<ConfigurationSetting> items) {
    }

    private AppConfigurationControl(Builder b, ConfigurationAsyncClient client, String endpoint, AutoCloseable owned) {
        this.client = client;
        this.keyPrefix = b.keyPrefix;
        this.interval = b.interval;
        List<String> l = new ArrayList<>();
        l.add(b.environment);
        if (b.group != null) {
            l.add("group=" + b.group);
        }
        l.add("branch=" + b.branch);
        this.labels = java.util.Collections.unmodifiableList(l);
        StringBuilder filter = new StringBuilder();
        for (String label : l) {
            filter.append(filter.length() == 0 ? "" : ",").append(label == null ? ConfigurationSetting.NO_LABEL
                : escape(label));
        }
        this.labelFilter = filter.toString();
        this.description = "App Configuration " + endpoint + " (keys " + keyPrefix + "*, labels "
            + String.join(", ", l.stream().map(x -> x == null ? "(none)" : x).toList()) + ")";
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
        List<Page> known = pages;
        List<MatchConditions> conditions = new ArrayList<>();
        for (Page p : known) {
            conditions.add(new MatchConditions().setIfNoneMatch(p.etag));
        }
        SettingSelector selector = new SettingSelector().setKeyFilter(escape(keyPrefix) + "*")
            .setLabelFilter(labelFilter).setFields(SettingFields.KEY, SettingFields.LABEL, SettingFields.VALUE)
            .setMatchConditions(conditions);
        return client.listConfigurationSettings(selector).byPage().collectList().flatMap(read -> {
            List<Page> now = new ArrayList<>();
            boolean changed = read.size() != known.size();
            for (int i = 0; i < read.size(); i++) {
                PagedResponse<ConfigurationSetting> r = read.get(i);
                String etag = r.getHeaders().getValue(HttpHeaderName.ETAG);
                if (r.getStatusCode() == 304 && i < known.size()) {
                    now.add(new Page(etag == null ? known.get(i).etag : etag, known.get(i).items));
                } else {
                    changed = true;
                    now.add(new Page(etag, r.getValue() == null ? List.of() : List.copyOf(r.getValue())));
                }
            }
            pages = List.copyOf(now);
            if (!changed) {
                return Mono.<Map<String, String>>empty();
            }
            Map<String, String> out = new TreeMap<>();
            for (String label : labels) { // weakest first: a stronger label overwrites
                for (Page p : now) {
                    for (ConfigurationSetting kv : p.items) {
                        if (Objects.equals(kv.getLabel(), label) && kv.getKey().startsWith(keyPrefix)
                            && kv.getValue() != null) {
                            out.put(kv.getKey().substring(keyPrefix.length()), kv.getValue());
                        }
                    }
                }
            }
            return Mono.just(out);
        });
    }

    /** Escapes a filter term as the API asks: {@code \}, {@code *} and {@code ,} are preceded by {@code \}. */
    private static String escape(String term) {
        return term.replace("\\", "\\\\").replace("*", "\\*").replace(",", "\\,");
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
        try {
            Base64.getDecoder().decode(secret);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the Secret of the App Configuration connection string is not base64"
                + " (the value is secret and not shown)");
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
            ConfigurationClientBuilder client = new ConfigurationClientBuilder().httpClient(http)
                .configuration(Configuration.NONE) // this builder's settings only, never the environment's
                .retryPolicy((context, next) -> next.process()); // no retry (nor its logs): the next poll retries
            String url;
            if (connectionString != null) {
                url = parseConnectionString(connectionString)[0];
                client.connectionString(connectionString);
            } else {
                url = endpoint;
                client.endpoint(endpoint).credential(credential);
            }
            return new AppConfigurationControl(this, client.buildAsyncClient(), url, owned);
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
