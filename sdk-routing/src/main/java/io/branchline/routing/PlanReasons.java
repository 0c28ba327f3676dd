package io.branchline.routing;

import io.branchline.core.RoutePlan;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Why each region stands where it does in the plans the {@link PlanCompiler} builds: a short code and a sentence per
 * region (nearest by how much, pinned, weighted, ...), written into the plans once per rebuild with
 * {@link RoutePlan.Builder#explain} and read by {@code FunctionResponse.route()}. Pure functions, like the compiler.
 */
final class PlanReasons {
    private PlanReasons() {
    }

    static void explain(RoutePlan.Builder b, RegionView v, Map<String, String[]> why) {
        String[] w = why.get(v.name());
        if (w != null) {
            b.explain(v.name(), score(v), w[0], w[1]);
        }
    }

    static Duration score(RegionView v) {
        return v.measured() ? Duration.ofNanos((long) v.scoreNanos()) : null;
    }

    private static String ms(double nanos) {
        return Math.round(nanos / 1_000_000.0) + " ms";
    }

    /**
     * Why the regions that are in stand in their order: pinned, then by the strategy (nearest by distance, priority,
     * weight). Regions already explained (ramping) keep their reason.
     */
    static void explainOrder(List<RegionView> available, List<RegionView> pinned, Map<String, String[]> why,
        RouterConfig cfg, Control control) {
        for (RegionView v : pinned) {
            why.put(v.name(), new String[] {"pinned", control.pins != null
                ? "pinned by control (" + control.source + ")" : "pinned by configuration (branchline.routing.pin)"});
        }
        for (int i = 0; i < available.size(); i++) {
            RegionView v = available.get(i);
            if (why.containsKey(v.name())) {
                continue;
            }
            if (cfg.strategy == RoutingStrategy.PRIORITY) {
                why.put(v.name(), new String[] {"priority", "priority " + v.region().priority()});
            } else if (cfg.strategy == RoutingStrategy.WEIGHTED) {
                why.put(v.name(), new String[] {"weighted", "weight " + cfg.weight(v.region())});
            } else if (!v.measured()) {
                why.put(v.name(), new String[] {"unmeasured", "not measured yet: configuration order"});
            } else if (i == 0) {
                RegionView next = available.size() > 1 ? available.get(1) : null;
                String detail = next == null || !next.measured() ? "nearest: " + ms(v.scoreNanos())
                    : next.scoreNanos() >= v.scoreNanos()
                        ? "nearest by " + ms(next.scoreNanos() - v.scoreNanos()) + " (" + ms(v.scoreNanos())
                            + "; next " + next.name() + " " + ms(next.scoreNanos()) + ")"
                        : "nearest, kept first by hysteresis (" + ms(v.scoreNanos()) + "; " + next.name() + " "
                            + ms(next.scoreNanos()) + " is not faster by the margins)";
                why.put(v.name(), new String[] {"nearest", detail});
            } else {
                why.put(v.name(), new String[] {"ranked", "ranked " + (i + 1) + (i == 1 ? "nd" : i == 2 ? "rd" : "th")
                    + " by distance: " + ms(v.scoreNanos())});
            }
        }
    }
}
