package io.branchline.benchmarks;

import java.util.Arrays;
import java.util.List;
import java.util.function.LongPredicate;

/** Every call of one load run: start and end (nanoseconds since the run's origin) and the region that served it. */
final class LoadResult {
    final long[] start;
    final long[] end;
    final int[] region;
    final int size;

    LoadResult(List<long[]> rows) {
        size = rows.size();
        start = new long[size];
        end = new long[size];
        region = new int[size];
        rows.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 0; i < size; i++) {
            long[] r = rows.get(i);
            start[i] = r[0];
            end[i] = r[1];
            region[i] = (int) r[2];
        }
    }

    int failed() {
        return failed(t -> true);
    }

    int failed(LongPredicate startFilter) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (region[i] < 0 && startFilter.test(start[i])) {
                n++;
            }
        }
        return n;
    }

    int count(LongPredicate startFilter) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (startFilter.test(start[i])) {
                n++;
            }
        }
        return n;
    }

    /** Latency percentile in nanoseconds of the calls whose start passes the filter; -1 when none. */
    long percentile(double p, LongPredicate startFilter) {
        long[] l = new long[size];
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (startFilter.test(start[i])) {
                l[n++] = end[i] - start[i];
            }
        }
        if (n == 0) {
            return -1;
        }
        Arrays.sort(l, 0, n);
        int idx = (int) Math.ceil(p * n) - 1;
        return l[Math.max(0, Math.min(n - 1, idx))];
    }

    long percentile(double p) {
        return percentile(p, t -> true);
    }

    long max(LongPredicate startFilter) {
        return percentile(1.0, startFilter);
    }

    /** Share of all calls served by a region. */
    double share(int r) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (region[i] == r) {
                n++;
            }
        }
        return size == 0 ? 0 : n / (double) size;
    }

    /** End of the first call at or after {@code from} that succeeded on a region other than {@code r}; -1 if none. */
    long firstServedElsewhere(int r, long from) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < size; i++) {
            if (end[i] >= from && region[i] >= 0 && region[i] != r) {
                best = Math.min(best, end[i]);
            }
        }
        return best == Long.MAX_VALUE ? -1 : best;
    }

    /**
     * Start of the first window of {@code window} nanoseconds, at or after {@code from}, in which at least
     * {@code ratio} of the calls that started in it were served by region {@code r}; returns the window's end, or
     * -1 if none.
     */
    long firstWindowMostlyOn(int r, long from, long window, double ratio) {
        long last = size == 0 ? from : start[size - 1];
        for (long w = from; w + window <= last; w += window / 4) {
            int n = 0;
            int on = 0;
            for (int i = 0; i < size; i++) {
                if (start[i] >= w && start[i] < w + window) {
                    n++;
                    if (region[i] == r) {
                        on++;
                    }
                }
            }
            if (n > 0 && on >= ratio * n) {
                return w + window;
            }
        }
        return -1;
    }
}
