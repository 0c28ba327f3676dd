package io.branchline.core;

import com.azure.core.util.logging.ClientLogger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A key read from a file, looked at again at most once a second. Rotation cannot break calls: a file that is
 * empty, unreadable or holds something that is not a key (as while it is being rewritten) keeps the last good key
 * and warns once; a new key is taken only when two looks a recheck apart read the same text, so a half-written
 * key is never sent.
 */
final class FileKey implements Supplier<String> {
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

    /**
     * A key file for the client's default key (same rotation rules as a region's).
     *
     * @throws IllegalArgumentException when the file holds no key now
     */
    static Supplier<String> of(String owner, Path file) {
        FileKey key = new FileKey(owner, file, RECHECK_NANOS);
        try {
            key.get();
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return key;
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
