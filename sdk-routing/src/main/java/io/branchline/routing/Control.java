package io.branchline.routing;

import io.branchline.core.Region;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The operator's run-time control, parsed and checked: the few settings that may change while the client runs.
 * Immutable. A control source gives it as names and text values ({@link #parse}); a malformed value rejects the
 * whole control (the last good one stays), names that cannot change at run time are listed and ignored.
 *
 * <p>Names: {@code exclude} (regions drained: no new calls), {@code pin} (regions first while available),
 * {@code weight.<region>} (weighted routing, 1-10000), {@code concurrency-limit.<region>} (1-100000),
 * {@code hedge-reads} (false stops hedging), {@code max-attempts} (1-10), {@code probe-interval} (a duration,
 * 100ms-1h), {@code canary} (percent of calls sent to the chosen region's deployment slot, 0-100),
 * {@code canary.by} ({@code call}: decided per call; {@code branch}: per branch by a stable hash of its id).
 */
final class Control {
    static final String EXCLUDE = "exclude";
    static final String PIN = "pin";
    static final String WEIGHT = "weight.";
    static final String LIMIT = "concurrency-limit.";
    static final String HEDGE_READS = "hedge-reads";
    static final String MAX_ATTEMPTS = "max-attempts";
    static final String PROBE_INTERVAL = "probe-interval";
    static final String CANARY = "canary";
    static final String CANARY_BY = "canary.by";
    /** The changeable names, for messages. */
    static final String NAMES = "exclude, pin, weight.<region>, concurrency-limit.<region>, hedge-reads, max-attempts,"
        + " probe-interval, canary, canary.by";

    static final Control NONE = new Control(Map.of(), List.of(), "none", Set.of(), null, Map.of(), Map.of(), null, 0,
        null, 0, false);

    /** Every value as given (trimmed), sorted by name: what is compared, logged, sent and saved. */
    final Map<String, String> values;
    /** Names present in the source that cannot change at run time. */
    final List<String> notChangeable;
    /** Where it came from, for logs, events and plan reasons; never a secret. */
    final String source;
    final Set<String> excluded;
    /** {@code null} when the control does not pin (the router's own pins apply). */
    final List<String> pins;
    final Map<String, Integer> weights;
    final Map<String, Integer> limits;
    /** {@code null} when not set. */
    final Boolean hedgeReads;
    /** 0 when not set. */
    final int maxAttempts;
    /** {@code null} when not set. */
    final Duration probeInterval;
    /** Canary share in hundredths of a percent, 0-10000. */
    final int canaryBasisPoints;
    final boolean canaryByBranch;

    private Control(Map<String, String> values, List<String> notChangeable, String source, Set<String> excluded,
        List<String> pins, Map<String, Integer> weights, Map<String, Integer> limits, Boolean hedgeReads,
        int maxAttempts, Duration probeInterval, int canaryBasisPoints, boolean canaryByBranch) {
        this.values = values;
        this.notChangeable = notChangeable;
        this.source = source;
        this.excluded = excluded;
        this.pins = pins;
        this.weights = weights;
        this.limits = limits;
        this.hedgeReads = hedgeReads;
        this.maxAttempts = maxAttempts;
        this.probeInterval = probeInterval;
        this.canaryBasisPoints = canaryBasisPoints;
        this.canaryByBranch = canaryByBranch;
    }

    /**
     * Parses a control.
     *
     * @param raw names and values as the source holds them
     * @param source where they came from
     * @param regions the client's region names: a region name not among them is ignored (named in
     *     {@link #notChangeable}) rather than failing, since one fleet-wide control serves branches with different
     *     regions
     * @throws IllegalArgumentException naming the first malformed value and what is expected
     */
    static Control parse(Map<String, String> raw, String source, List<String> regions) {
        Map<String, String> values = new TreeMap<>();
        List<String> ignored = new ArrayList<>();
        Set<String> excluded = new LinkedHashSet<>();
        List<String> pins = null;
        Map<String, Integer> weights = new LinkedHashMap<>();
        Map<String, Integer> limits = new LinkedHashMap<>();
        Boolean hedge = null;
        int attempts = 0;
        Duration probe = null;
        int canary = 0;
        boolean byBranch = false;
        for (Map.Entry<String, String> e : new TreeMap<>(raw).entrySet()) {
            String name = e.getKey().trim().toLowerCase(Locale.ROOT);
            String v = e.getValue() == null ? "" : e.getValue().trim();
            if (name.isEmpty()) {
                continue;
            }
            switch (name) {
                case EXCLUDE:
                    excluded.addAll(regions(name, v, regions, ignored));
                    break;
                case PIN:
                    pins = regions(name, v, regions, ignored);
                    break;
                case HEDGE_READS:
                    hedge = bool(name, v);
                    break;
                case MAX_ATTEMPTS:
                    attempts = integer(name, v, 1, 10);
                    break;
                case PROBE_INTERVAL:
                    probe = duration(name, v);
                    break;
                case CANARY:
                    canary = percent(name, v);
                    break;
                case CANARY_BY:
                    if (!v.equals("call") && !v.equals("branch")) {
                        throw invalid(name, v, "call or branch");
                    }
                    byBranch = v.equals("branch");
                    break;
                default:
                    if (name.startsWith(WEIGHT) && perRegion(name, WEIGHT, regions, ignored)) {
                        weights.put(name.substring(WEIGHT.length()), integer(name, v, 1, 10_000));
                    } else if (name.startsWith(LIMIT) && perRegion(name, LIMIT, regions, ignored)) {
                        limits.put(name.substring(LIMIT.length()), integer(name, v, 1, 100_000));
                    } else if (!name.startsWith(WEIGHT) && !name.startsWith(LIMIT)) {
                        ignored.add(name);
                        continue;
                    }
                    break;
            }
            values.put(name, v);
        }
        return new Control(Collections.unmodifiableMap(values), List.copyOf(ignored), source,
            Collections.unmodifiableSet(excluded), pins == null ? null : List.copyOf(pins),
            Collections.unmodifiableMap(weights), Collections.unmodifiableMap(limits), hedge, attempts, probe, canary,
            byBranch);
    }

    /** The same control from another source (a restored copy). */
    Control from(String otherSource) {
        return new Control(values, notChangeable, otherSource, excluded, pins, weights, limits, hedgeReads, maxAttempts,
            probeInterval, canaryBasisPoints, canaryByBranch);
    }

    boolean isEmpty() {
        return values.isEmpty();
    }

    /** Whether a branch with this id takes the canary when the canary is decided per branch. */
    static boolean branchInCanary(String branchId, int basisPoints) {
        CRC32 crc = new CRC32();
        crc.update(branchId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return crc.getValue() % 10_000 < basisPoints;
    }

    /** What this control does to one region, for {@code regionStatus()}; empty when nothing. */
    String describe(Region region) {
        List<String> parts = new ArrayList<>();
        String name = region.name();
        if (excluded.contains(name)) {
            parts.add("excluded (drained) by " + source);
        }
        if (pins != null && pins.contains(name)) {
            parts.add("pinned by " + source);
        }
        if (weights.containsKey(name)) {
            parts.add("weight " + weights.get(name));
        }
        if (limits.containsKey(name)) {
            parts.add("concurrency limit " + limits.get(name));
        }
        if (canaryBasisPoints > 0 && region.slot() != null) {
            parts.add("canary " + percentText(canaryBasisPoints) + " % to slot " + region.slot().slotName()
                + (canaryByBranch ? " (per branch)" : " (per call)"));
        }
        return String.join("; ", parts);
    }

    static String percentText(int basisPoints) {
        return basisPoints % 100 == 0 ? Integer.toString(basisPoints / 100)
            : String.format(Locale.ROOT, "%.2f", basisPoints / 100.0);
    }

    private static List<String> regions(String name, String v, List<String> known, List<String> ignored) {
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            String r = part.trim();
            if (r.isEmpty()) {
                continue;
            }
            if (!r.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
                throw invalid(name, v, "region names separated by commas, such as westeurope,northeurope");
            }
            if (known.contains(r)) {
                out.add(r);
            } else {
                ignored.add(name + ": " + r + " (no such region here)");
            }
        }
        return out;
    }

    private static boolean perRegion(String name, String prefix, List<String> known, List<String> ignored) {
        String region = name.substring(prefix.length());
        if (known.contains(region)) {
            return true;
        }
        ignored.add(name + " (no such region here)");
        return false;
    }

    private static boolean bool(String name, String v) {
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw invalid(name, v, "true or false");
    }

    private static int integer(String name, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw invalid(name, v, "a whole number from " + min + " to " + max);
    }

    private static int percent(String name, String v) {
        String t = v.endsWith("%") ? v.substring(0, v.length() - 1).trim() : v;
        try {
            double d = Double.parseDouble(t);
            if (d >= 0 && d <= 100 && !Double.isNaN(d)) {
                return (int) Math.round(d * 100);
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw invalid(name, v, "a percentage from 0 to 100, such as 10 or 2.5");
    }

    private static Duration duration(String name, String v) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)").matcher(v);
        Duration d = null;
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        } else if (v.startsWith("PT") || v.startsWith("pt")) {
            try {
                d = Duration.parse(v);
            } catch (RuntimeException e) {
                d = null;
            }
        }
        if (d == null || d.compareTo(Duration.ofMillis(100)) < 0 || d.compareTo(Duration.ofHours(1)) > 0) {
            throw invalid(name, v, "a duration from 100ms to 1h, such as 2s or 500ms");
        }
        return d;
    }

    private static IllegalArgumentException invalid(String name, String value, String expected) {
        String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        return new IllegalArgumentException("control " + name + "=" + shown + " is malformed: expected " + expected);
    }

    @Override
    public String toString() {
        return "Control{" + values + " from " + source + '}';
    }
}
