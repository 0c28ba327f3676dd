package io.branchline.telemetry;

/**
 * Fixed-percentage sampling decided on the trace id, so every component that sees the same trace id (the branch,
 * the function's own Application Insights SDK) keeps or drops the same operations. The score is the Application
 * Insights SDKs' one: a djb2 hash of the operation id over 32-bit integers, its absolute value divided by
 * {@code Integer.MAX_VALUE} and scaled to 0..100; an item is kept when its score is below the percentage.
 */
final class Sampling {
    private Sampling() {
    }

    static boolean keep(String traceId, double percentage) {
        if (percentage >= 100.0) {
            return true;
        }
        if (percentage <= 0.0) {
            return false;
        }
        return score(traceId) < percentage;
    }

    static double score(String id) {
        if (id == null || id.isEmpty()) {
            return 0;
        }
        String input = id;
        while (input.length() < 8) {
            input = input + input;
        }
        int hash = 5381;
        for (int i = 0; i < input.length(); i++) {
            hash = ((hash << 5) + hash) + input.charAt(i);
        }
        hash = hash == Integer.MIN_VALUE ? Integer.MAX_VALUE : Math.abs(hash);
        return 100.0 * ((double) hash / Integer.MAX_VALUE);
    }
}
