package io.branchline.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;


/**
 * One regional deployment of the function app: a name, a base URL and, optionally, the function key of that
 * region's app, a priority and a weight. Immutable and thread-safe.
 *
 * <pre>{@code
 * Region we = Region.builder("westeurope", "https://orders-we.azurewebsites.net")
 *     .functionKeyFromFile(Path.of("/etc/branchline/we.key"))
 *     .build();
 * }</pre>
 *
 * <p>A region may name a deployment slot of its app for canary releases ({@code <app>-<slot>.azurewebsites.net},
 * with its own key): {@link #slot()} is that slot as a region of the same name whose {@link #slotName()} is set.
 * The router sends a share of calls to it only while an operator's canary control says so.
 *
 * <p>The function key never appears in {@link #toString()}, logs or exceptions.
 */
public final class Region {
    /** Default priority: {@value}. Lower numbers are preferred by priority routing. */
    public static final int DEFAULT_PRIORITY = 100;
    /** Default weight: {@value}. Weighted routing shares traffic in proportion to weights. */
    public static final int DEFAULT_WEIGHT = 100;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Pattern SLOT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,58}");

    private final String name;
    private final URI baseUri;
    private final String baseUrl;
    private final Supplier<String> functionKey;
    private final int priority;
    private final int weight;
    private final String slotName;
    private final Region slot;

    private Region(Builder b) {
        this.name = b.name;
        this.baseUri = b.baseUri;
        this.baseUrl = b.baseUrl;
        this.functionKey = b.functionKey;
        this.priority = b.priority;
        this.weight = b.weight;
        this.slotName = null;
        this.slot = b.slot == null ? null : new Region(this, b.slot, b.slotName);
    }

    /** The deployment slot {@code slotName} of {@code production}, served from {@code slot}'s URL and key. */
    private Region(Region production, Builder slot, String slotName) {
        this.name = production.name;
        this.baseUri = slot.baseUri;
        this.baseUrl = slot.baseUrl;
        this.functionKey = slot.functionKey;
        this.priority = production.priority;
        this.weight = production.weight;
        this.slotName = slotName;
        this.slot = null;
    }

    /**
     * A region with no function key and default priority and weight.
     *
     * @param name the region's name, such as {@code westeurope}
     * @param baseUrl the function app's base URL, such as {@code https://orders-we.azurewebsites.net}
     * @return the region
     */
    public static Region of(String name, String baseUrl) {
        return builder(name, baseUrl).build();
    }

    /**
     * Starts building a region.
     *
     * @param name the region's name: letters, digits, {@code _ . -}, at most 63 characters
     * @param baseUrl the function app's absolute http or https base URL, without query
     * @return a builder
     * @throws IllegalArgumentException when the name or URL is malformed
     */
    public static Builder builder(String name, String baseUrl) {
        return new Builder(name, baseUrl);
    }

    /** @return the region's name */
    public String name() {
        return name;
    }

    /** @return the base URL without trailing slash */
    public String baseUrl() {
        return baseUrl;
    }

    /** @return the base URL's host name */
    public String host() {
        return baseUri.getHost();
    }

    /** @return whether the base URL uses https */
    public boolean isHttps() {
        return "https".equalsIgnoreCase(baseUri.getScheme());
    }

    /** @return the priority; lower is preferred */
    public int priority() {
        return priority;
    }

    /** @return the routing weight */
    public int weight() {
        return weight;
    }

    /**
     * The staging deployment slot of this region's app, for canary releases.
     *
     * @return the slot as a region of the same name (its own URL and key), or {@code null} when none is configured
     */
    public Region slot() {
        return slot;
    }

    /** @return the deployment slot's name when this region is a slot, such as {@code staging}; else {@code null} */
    public String slotName() {
        return slotName;
    }

    /** @return whether this is a deployment slot rather than the production app */
    public boolean isSlot() {
        return slotName != null;
    }

    /** @return whether the region has a function key of its own */
    public boolean hasFunctionKey() {
        return functionKey != null;
    }

    /** The current function key, read again from its file when it came from one; {@code null} when none. */
    String functionKey() {
        return functionKey == null ? null : functionKey.get();
    }

    /**
     * Starts a builder holding this region's settings.
     *
     * @return a builder
     */
    public Builder toBuilder() {
        Builder b = new Builder(name, baseUrl);
        b.functionKey = functionKey;
        b.priority = priority;
        b.weight = weight;
        if (slot != null) {
            b.slotName = slot.slotName;
            b.slot = new Builder(name, slot.baseUrl);
            b.slot.functionKey = slot.functionKey;
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Region)) {
            return false;
        }
        Region r = (Region) o;
        return name.equals(r.name) && baseUrl.equals(r.baseUrl) && priority == r.priority && weight == r.weight
            && Objects.equals(slotName, r.slotName) && Objects.equals(slot, r.slot);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, baseUrl);
    }

    @Override
    public String toString() {
        return "Region{name=" + name + (slotName == null ? "" : ", slot=" + slotName) + ", baseUrl=" + baseUrl
            + ", priority=" + priority + ", weight=" + weight
            + ", functionKey=" + (functionKey == null ? "none" : "***")
            + (slot == null ? "" : ", stagingSlot=" + slot.slotName + " at " + slot.baseUrl) + '}';
    }

    /**
     * Builds a {@link Region}.
     */
    public static final class Builder {
        private final String name;
        private final URI baseUri;
        private final String baseUrl;
        private Supplier<String> functionKey;
        private int priority = DEFAULT_PRIORITY;
        private int weight = DEFAULT_WEIGHT;
        private String slotName;
        private Builder slot;

        private Builder(String name, String baseUrl) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(baseUrl, "baseUrl");
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("Region name '" + name
                    + "' is not valid: use letters, digits, '_', '.' or '-', at most 63 characters, such as 'westeurope'");
            }
            this.name = name;
            String trimmed = baseUrl.trim();
            while (trimmed.endsWith("/")) {
                trimmed = trimmed.substring(0, trimmed.length() - 1);
            }
            URI uri;
            try {
                uri = new URI(trimmed);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("Base URL of region '" + name + "' is not a valid URL: "
                    + Redaction.url(baseUrl) + "; expected e.g. https://<app>.azurewebsites.net", e);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
                throw new IllegalArgumentException("Base URL of region '" + name + "' must be an absolute http(s) URL"
                    + " with a host, was " + Redaction.url(baseUrl) + "; expected e.g. https://<app>.azurewebsites.net");
            }
            if (uri.getRawUserInfo() != null) {
                // a password in a URL leaks into DNS queries, proxy logs and every toString() of it
                throw new IllegalArgumentException("Base URL of region '" + name + "' must not hold a user or password,"
                    + " was " + Redaction.url(baseUrl) + "; authenticate with a function key or a credential instead");
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException("Base URL of region '" + name + "' must not have a query or fragment"
                    + " (pass the function key with functionKey(...), not as ?code=), was " + Redaction.url(baseUrl));
            }
            if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65535)) {
                throw new IllegalArgumentException("Base URL of region '" + name + "' has port " + uri.getPort()
                    + ", out of range: expected 1 to 65535, such as https://<app>.azurewebsites.net:443");
            }
            this.baseUri = uri;
            this.baseUrl = trimmed;
        }

        /**
         * Sets the function key of this region's app, sent as {@code x-functions-key}.
         *
         * @param key the key
         * @return this builder
         */
        public Builder functionKey(String key) {
            Objects.requireNonNull(key, "key");
            if (key.isBlank()) {
                throw new IllegalArgumentException("Function key of region '" + name + "' is blank");
            }
            String k = key.trim();
            this.functionKey = () -> k;
            return this;
        }

        /**
         * Reads the function key from a file, again whenever the file changes, so keys can be rotated without
         * restarting the application.
         *
         * @param file a file holding the key (surrounding white space is ignored)
         * @return this builder
         * @throws IllegalArgumentException when the file cannot be read now
         */
        public Builder functionKeyFromFile(Path file) {
            Objects.requireNonNull(file, "file");
            this.functionKey = FileKey.of("region '" + name + "'", file);
            return this;
        }

        /**
         * Sets the priority; lower numbers are preferred by priority routing and placed first in plans.
         *
         * @param priority zero or more
         * @return this builder
         */
        public Builder priority(int priority) {
            if (priority < 0) {
                throw new IllegalArgumentException("Priority of region '" + name + "' must be zero or more, was " + priority);
            }
            this.priority = priority;
            return this;
        }

        /**
         * Sets the weight used by weighted routing.
         *
         * @param weight from 1 to 10000
         * @return this builder
         */
        public Builder weight(int weight) {
            if (weight < 1 || weight > 10_000) {
                throw new IllegalArgumentException("Weight of region '" + name + "' must be from 1 to 10000, was " + weight);
            }
            this.weight = weight;
            return this;
        }

        /**
         * Names a deployment slot of this region's app that canary releases may send a share of calls to, such as
         * {@code slot("staging", "https://orders-we-staging.azurewebsites.net")}. Calls go to it only while an
         * operator's canary control says so; its failures never open the production app's circuit.
         *
         * @param slotName the slot's name: letters, digits and {@code -}
         * @param baseUrl the slot's absolute http or https base URL, without query
         * @return this builder
         * @throws IllegalArgumentException when the name or URL is malformed
         */
        public Builder slot(String slotName, String baseUrl) {
            Objects.requireNonNull(slotName, "slotName");
            if (!SLOT.matcher(slotName).matches()) {
                throw new IllegalArgumentException("Slot name '" + slotName + "' of region '" + name + "' is not"
                    + " valid: use letters, digits and '-', such as 'staging'");
            }
            Builder b = new Builder(name, baseUrl);
            if (slot != null) {
                b.functionKey = slot.functionKey;
            }
            this.slot = b;
            this.slotName = slotName;
            return this;
        }

        /**
         * Sets the function key of the deployment slot named by {@link #slot(String, String)} (a slot has keys of
         * its own).
         *
         * @param key the key
         * @return this builder
         * @throws IllegalStateException when no slot is named yet
         */
        public Builder slotFunctionKey(String key) {
            requireSlot().functionKey(key);
            return this;
        }

        /**
         * Reads the deployment slot's function key from a file, again whenever it changes.
         *
         * @param file a file holding the key
         * @return this builder
         * @throws IllegalStateException when no slot is named yet
         * @throws IllegalArgumentException when the file cannot be read now
         */
        public Builder slotFunctionKeyFromFile(Path file) {
            Builder s = requireSlot();
            Objects.requireNonNull(file, "file");
            s.functionKey = FileKey.of("slot " + slotName + " of region '" + name + "'", file);
            return this;
        }

        private Builder requireSlot() {
            if (slot == null) {
                throw new IllegalStateException("Region '" + name + "' names no deployment slot: call slot(name, url)"
                    + " before setting the slot's key");
            }
            return slot;
        }

        /** A key from any source; for the client's own use (a file key) and tests. */
        Builder functionKey(Supplier<String> source) {
            this.functionKey = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * Builds the region.
         *
         * @return the region
         */
        public Region build() {
            return new Region(this);
        }
    }
}
