package io.branchline.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.azure.core.util.logging.ClientLogger;

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
 * <p>The function key never appears in {@link #toString()}, logs or exceptions.
 */
public final class Region {
    /** Default priority: {@value}. Lower numbers are preferred by priority routing. */
    public static final int DEFAULT_PRIORITY = 100;
    /** Default weight: {@value}. Weighted routing shares traffic in proportion to weights. */
    public static final int DEFAULT_WEIGHT = 100;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    private final String name;
    private final URI baseUri;
    private final String baseUrl;
    private final Supplier<String> functionKey;
    private final int priority;
    private final int weight;

    private Region(Builder b) {
        this.name = b.name;
        this.baseUri = b.baseUri;
        this.baseUrl = b.baseUrl;
        this.functionKey = b.functionKey;
        this.priority = b.priority;
        this.weight = b.weight;
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
        return name.equals(r.name) && baseUrl.equals(r.baseUrl) && priority == r.priority && weight == r.weight;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, baseUrl);
    }

    @Override
    public String toString() {
        return "Region{name=" + name + ", baseUrl=" + baseUrl + ", priority=" + priority + ", weight=" + weight
            + ", functionKey=" + (functionKey == null ? "none" : "***") + '}';
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
            FileKey key = new FileKey("region '" + name + "'", file, FileKey.RECHECK_NANOS);
            try {
                key.get();
            } catch (UncheckedIOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            this.functionKey = key;
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

    /**
     * A key file for the client's default key (same rotation rules as a region's).
     *
     * @throws IllegalArgumentException when the file holds no key now
     */
    static Supplier<String> fileKey(String owner, Path file) {
        FileKey key = new FileKey(owner, file, FileKey.RECHECK_NANOS);
        try {
            key.get();
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return key;
    }

    /**
     * A key read from a file, looked at again at most once a second. Rotation cannot break calls: a file that is
     * empty, unreadable or holds something that is not a key (as while it is being rewritten) keeps the last good key
     * and warns once; a new key is taken only when two looks a recheck apart read the same text, so a half-written
     * key is never sent.
     */
    static final class FileKey implements Supplier<String> {
        static final long RECHECK_NANOS = 1_000_000_000L;
        private static final ClientLogger LOGGER = new ClientLogger(FileKey.class);
        private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]+");

        private final String owner;
        private final Path file;
        private final long recheckNanos;
        private volatile String key;
        private volatile long checkedAtNanos;
        /** A new key read once, taken when the next look reads it again; guarded by {@code this}. */
        private String candidate;
        private boolean warned;

        FileKey(String owner, Path file, long recheckNanos) {
            this.owner = owner;
            this.file = file;
            this.recheckNanos = recheckNanos;
        }

        @Override
        public String get() {
            // Called for every attempt: look at the file at most once a recheck interval, not on every call.
            long now = System.nanoTime();
            String cached = key;
            if (cached != null && now - checkedAtNanos < recheckNanos) {
                return cached;
            }
            synchronized (this) {
                if (key != null && now - checkedAtNanos < recheckNanos) {
                    return key;
                }
                checkedAtNanos = now;
                String read;
                String problem = null;
                try {
                    read = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
                    if (read.isEmpty()) {
                        problem = "is empty";
                    } else if (!KEY.matcher(read).matches()) {
                        problem = "does not hold a single key (white space or control characters inside)";
                    }
                } catch (IOException | RuntimeException e) {
                    read = null;
                    problem = "cannot be read (" + e.getClass().getSimpleName() + ")";
                }
                if (problem != null) {
                    if (key == null) {
                        String msg = "Cannot read the function key file of " + owner + ": " + file + " " + problem
                            + "; write the key into it";
                        throw new UncheckedIOException(msg, new IOException(msg));
                    }
                    if (!warned) {
                        warned = true;
                        LOGGER.atWarning().log("Function key file of " + owner + " " + problem + ": " + file
                            + "; the last good key is used until the file holds a key again");
                    }
                    candidate = null;
                    return key;
                }
                warned = false;
                if (key == null || read.equals(candidate)) {
                    key = read;
                    candidate = null;
                } else if (!read.equals(key)) {
                    candidate = read; // maybe half-written: taken when the next look reads the same
                }
                return key;
            }
        }
    }
}
