package io.branchline.core;

import io.branchline.core.models.Attempt;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;
import io.branchline.core.models.RegionStatus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Tries the configured regions in order of priority, then configuration; no state, no probes. */
final class OrderedRegionRouter implements RegionRouter {
    private volatile List<Region> ordered = List.of();
    private volatile RoutePlan plan = RoutePlan.empty();

    @Override
    public void start(RouterContext context) {
        List<Region> sorted = new ArrayList<>(context.regions());
        sorted.sort(Comparator.comparingInt(Region::priority));
        this.ordered = List.copyOf(sorted);
        this.plan = RoutePlan.of(ordered);
    }

    @Override
    public RoutePlan plan(FunctionRequest request) {
        if (request.preferredRegions().isEmpty() && request.excludedRegions().isEmpty()) {
            return plan;
        }
        List<Region> out = new ArrayList<>(ordered.size());
        RoutePlan.Builder b = RoutePlan.builder();
        for (String name : request.preferredRegions()) {
            for (Region r : ordered) {
                if (r.name().equals(name) && !request.excludedRegions().contains(name) && !out.contains(r)) {
                    out.add(r);
                }
            }
        }
        for (Region r : ordered) {
            if (request.excludedRegions().contains(r.name())) {
                b.unavailable(r.name(), "excluded by the request");
            } else if (!out.contains(r)) {
                out.add(r);
            }
        }
        return b.regions(out).build();
    }

    @Override
    public void onAttemptEnd(Region region, Attempt attempt) {
    }

    @Override
    public List<RegionStatus> status() {
        List<RegionStatus> out = new ArrayList<>();
        for (Region r : ordered) {
            out.add(new RegionStatus(r.name(), RegionHealth.UNKNOWN, BreakerState.NONE, null, null, 1.0, 0));
        }
        return out;
    }
}
