package io.branchline.core.spi;

/**
 * Where the stale-if-error answers of a client are kept: a bounded store of {@link StoredResponse}s by key, each
 * kept for its {@link StoredResponse#keepFor()} at most, the least recently used evicted first when the client's
 * limits on entries or bytes are reached. Core decides what may be stored and served (RFC 9111 and RFC 5861); the
 * store only keeps. {@code branchline-routing} provides one on Caffeine through
 * {@link ClientExtension#staleResponseCache(long, long, java.time.Clock)}.
 *
 * <p>Implementations are thread-safe; {@link #get} runs on the thread that ends a failed call, so it is fast and
 * never blocks on I/O.
 */
public interface StaleResponseCache extends AutoCloseable {
    /**
     * Keeps an answer, replacing one under the same key.
     *
     * @param key the request's key (method, path and query)
     * @param response the answer
     */
    void put(String key, StoredResponse response);

    /**
     * The answer kept under a key.
     *
     * @param key the key
     * @return the answer, or {@code null}
     */
    StoredResponse get(String key);

    /**
     * Forgets the answer under a key (the function said {@code no-store} since).
     *
     * @param key the key
     */
    void remove(String key);

    /** @return the number of answers kept now (an estimate) */
    long size();

    /** Releases the store; the client calls it when it closes. */
    @Override
    default void close() {
    }
}
