package io.branchline.routing;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.branchline.core.spi.StaleResponseCache;
import io.branchline.core.spi.StoredResponse;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The stale-if-error answers of one client in a Caffeine cache: bounded by entries and by bytes (two limits, so the
 * byte limit is the cache's weight and the entry limit is checked on insert), each entry expiring when it may no
 * longer be served ({@link StoredResponse#keepFor()} after it was received), on the client's clock.
 *
 * <p>In memory only, on purpose: the answers may hold business or personal data, and a branch VM's disk is the
 * place they should not linger; an outage that began before a restart is the rare case, and the routing state that
 * matters then (which regions were up) is already kept by the last-known-good file.
 *
 * <p>Thread-safe (Caffeine's guarantees); {@link #get} is lock-free.
 */
final class CaffeineStaleCache implements StaleResponseCache {
    private final Cache<String, StoredResponse> cache;
    private final long maxEntries;

    CaffeineStaleCache(long maxEntries, long maxBytes, Clock clock) {
        this.maxEntries = maxEntries;
        this.cache = Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((String k, StoredResponse v) -> (int) Math.min(Integer.MAX_VALUE, v.weight() + k.length() * 2L))
            .expireAfter(new Expiry<String, StoredResponse>() {
                @Override
                public long expireAfterCreate(String key, StoredResponse value, long currentTime) {
                    long left = value.keepFor().minus(Duration.between(value.storedAt(), clock.instant())).toNanos();
                    return Math.max(0, left);
                }

                @Override
                public long expireAfterUpdate(String key, StoredResponse value, long currentTime,
                    long currentDuration) {
                    return expireAfterCreate(key, value, currentTime);
                }

                @Override
                public long expireAfterRead(String key, StoredResponse value, long currentTime,
                    long currentDuration) {
                    return currentDuration;
                }
            })
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .executor(Runnable::run)
            .build();
    }

    @Override
    public void put(String key, StoredResponse response) {
        cache.put(key, response);
        if (cache.estimatedSize() > maxEntries) {
            // Caffeine bounds by weight or by size, not both: the entry limit is kept here, least recent first
            cache.policy().eviction().ifPresent(e -> {
                for (String coldest : e.coldest((int) Math.min(Integer.MAX_VALUE,
                    cache.estimatedSize() - maxEntries)).keySet()) {
                    cache.invalidate(coldest);
                }
            });
        }
    }

    @Override
    public StoredResponse get(String key) {
        return cache.getIfPresent(key);
    }

    @Override
    public void remove(String key) {
        cache.invalidate(key);
    }

    @Override
    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    @Override
    public void close() {
        cache.invalidateAll();
    }

    @Override
    public String toString() {
        return "CaffeineStaleCache{entries=" + cache.estimatedSize() + ", maxEntries=" + maxEntries + '}';
    }
}
