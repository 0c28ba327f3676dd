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
        return plan.forRequest(request);
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
