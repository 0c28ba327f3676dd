package io.branchline.telemetry;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An Application Insights connection string, parsed: {@code InstrumentationKey=<guid>;IngestionEndpoint=https://...}.
 *
 * <p>Keys are case-insensitive; values are trimmed; empty segments (a trailing {@code ;}) are ignored and unknown keys
 * are tolerated. {@code IngestionEndpoint} wins over {@code EndpointSuffix} (which gives
 * {@code https://dc.<suffix>/}, or {@code https://<Location>.dc.<suffix>/} with {@code Location}); without either the
 * global endpoint {@value #DEFAULT_INGESTION_ENDPOINT} is used. {@code AADAudience} sets the Entra ID audience.
 *
 * <p>Error messages and {@link #toString()} never show the instrumentation key or the whole string. Immutable.
 */
public final class ConnectionString {
    /** The environment variable {@link #fromEnvironment()} reads: {@value}. */
    public static final String ENVIRONMENT_VARIABLE = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    /** The ingestion endpoint used when the string names none: {@value}. */
    public static final String DEFAULT_INGESTION_ENDPOINT = "https://dc.services.visualstudio.com/";
    /** The Entra ID audience used when the string names none: {@value}. */
    public static final String DEFAULT_AAD_AUDIENCE = "https://monitor.azure.com/";

    private static final int MAX_LENGTH = 4096;
    private static final Pattern GUID =
        Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern LOCATION = Pattern.compile("[A-Za-z0-9-]{1,64}");

    private final String instrumentationKey;
    private final String ingestionEndpoint;
    private final String aadAudience;

    private ConnectionString(String instrumentationKey, String ingestionEndpoint, String aadAudience) {
        this.instrumentationKey = instrumentationKey;
        this.ingestionEndpoint = ingestionEndpoint;
        this.aadAudience = aadAudience;
    }

    /**
     * Parses a connection string.
     *
     * @param connectionString such as {@code InstrumentationKey=...;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/}
     * @return the parsed value
     * @throws NullPointerException if {@code connectionString} is null
     * @throws IllegalArgumentException naming what is wrong (never showing the key): empty, a segment without
     *     {@code =}, a key given twice, no {@code InstrumentationKey}, a key that is not a GUID, or an endpoint that is
     *     not an absolute http(s) URL
     */
    public static ConnectionString parse(String connectionString) {
        Objects.requireNonNull(connectionString, "connectionString");
        String s = connectionString.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("Application Insights connection string is empty; expected"
                + " 'InstrumentationKey=<guid>;IngestionEndpoint=https://...' (copy it from the resource's Overview)");
        }
        if (s.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("Application Insights connection string is " + s.length()
                + " characters long; at most " + MAX_LENGTH + " are expected");
        }
        Map<String, String> values = new HashMap<>();
        String[] segments = s.split(";");
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i].trim();
            if (segment.isEmpty()) {
                continue;
            }
            int eq = segment.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("Application Insights connection string segment " + (i + 1)
                    + " has no '='; expected 'Key=Value' pairs separated by ';'");
            }
            String key = segment.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = segment.substring(eq + 1).trim();
            if (key.isEmpty()) {
                throw new IllegalArgumentException("Application Insights connection string segment " + (i + 1)
                    + " has no key before '='");
            }
            if (values.put(key, value) != null) {
                throw new IllegalArgumentException("Application Insights connection string names '"
                    + displayKey(key) + "' more than once");
            }
        }
        String ikey = values.get("instrumentationkey");
        if (ikey == null || ikey.isEmpty()) {
            throw new IllegalArgumentException("Application Insights connection string has no InstrumentationKey;"
                + " expected 'InstrumentationKey=<guid>;...'");
        }
        if (!GUID.matcher(ikey).matches()) {
            throw new IllegalArgumentException("Application Insights connection string's InstrumentationKey is not"
                + " a GUID (expected 8-4-4-4-12 hexadecimal digits, got " + ikey.length() + " characters)");
        }
        String endpoint = values.get("ingestionendpoint");
        if (endpoint != null && !endpoint.isEmpty()) {
            endpoint = url("IngestionEndpoint", endpoint);
        } else {
            String suffix = values.get("endpointsuffix");
            if (suffix != null && !suffix.isEmpty()) {
                String host = suffix.replaceAll("^\\.+|/+$", "");
                String location = values.get("location");
                if (location != null && !location.isEmpty()) {
                    if (!LOCATION.matcher(location).matches()) {
                        throw new IllegalArgumentException("Application Insights connection string's Location '"
                            + location + "' is not a region name such as 'westeurope'");
                    }
                    host = location + ".dc." + host;
                } else {
                    host = "dc." + host;
                }
                endpoint = url("EndpointSuffix", "https://" + host);
            } else {
                endpoint = DEFAULT_INGESTION_ENDPOINT;
            }
        }
        String audience = values.get("aadaudience");
        if (audience != null && !audience.isEmpty()) {
            url("AADAudience", audience);
        } else {
            audience = null;
        }
        return new ConnectionString(ikey.toLowerCase(Locale.ROOT), endpoint, audience);
    }

    /**
     * Reads the connection string from the environment variable {@value #ENVIRONMENT_VARIABLE}.
     *
     * @return the parsed value
     * @throws IllegalStateException if the variable is not set
     * @throws IllegalArgumentException if it is malformed
     */
    public static ConnectionString fromEnvironment() {
        String value = System.getenv(ENVIRONMENT_VARIABLE);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("Environment variable " + ENVIRONMENT_VARIABLE + " is not set; set it"
                + " to the Application Insights connection string or call connectionString(...) on the builder");
        }
        return parse(value);
    }

    private static String url(String name, String value) {
        String v = value.endsWith("/") ? value : value + "/";
        try {
            URI uri = new URI(v);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                throw new URISyntaxException(value, "not an absolute http(s) URL without query");
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("Application Insights connection string's " + name + " '" + value
                + "' is not an absolute https URL such as https://westeurope-5.in.applicationinsights.azure.com/");
        }
        return v;
    }

    private static String displayKey(String lower) {
        switch (lower) {
            case "instrumentationkey":
                return "InstrumentationKey";
            case "ingestionendpoint":
                return "IngestionEndpoint";
            case "endpointsuffix":
                return "EndpointSuffix";
            case "aadaudience":
                return "AADAudience";
            default:
                return lower;
        }
    }

    /**
     * The instrumentation key: not a credential, but treat it as private. Never logged by Branchline.
     *
     * @return the lowercase GUID
     */
    public String instrumentationKey() {
        return instrumentationKey;
    }

    /**
     * The ingestion endpoint.
     *
     * @return an http(s) URL ending with {@code /}
     */
    public String ingestionEndpoint() {
        return ingestionEndpoint;
    }

    /**
     * The Entra ID audience named by the string.
     *
     * @return the audience, or {@code null} when the string names none
     */
    public String aadAudience() {
        return aadAudience;
    }

    /**
     * The OAuth scope for Entra ID authentication: the audience followed by {@code /.default}, by default
     * {@code https://monitor.azure.com//.default}.
     *
     * @return the scope
     */
    public String tokenScope() {
        return (aadAudience != null ? aadAudience : DEFAULT_AAD_AUDIENCE) + "/.default";
    }

    /**
     * The track URL.
     *
     * @return {@code <IngestionEndpoint>v2.1/track}
     */
    public String trackUrl() {
        return ingestionEndpoint + "v2.1/track";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConnectionString c && c.instrumentationKey.equals(instrumentationKey)
            && c.ingestionEndpoint.equals(ingestionEndpoint) && Objects.equals(c.aadAudience, aadAudience);
    }

    @Override
    public int hashCode() {
        return Objects.hash(instrumentationKey, ingestionEndpoint, aadAudience);
    }

    /**
     * Describes the connection string without its instrumentation key.
     *
     * @return for example {@code ConnectionString{InstrumentationKey=<redacted>, IngestionEndpoint=https://...}}
     */
    @Override
    public String toString() {
        return "ConnectionString{InstrumentationKey=<redacted>, IngestionEndpoint=" + ingestionEndpoint
            + (aadAudience == null ? "" : ", AADAudience=" + aadAudience) + '}';
    }
}
