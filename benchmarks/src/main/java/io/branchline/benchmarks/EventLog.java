package io.branchline.benchmarks;

import io.branchline.core.CallListener;
import io.branchline.core.Region;
import io.branchline.core.models.BreakerState;
import io.branchline.core.models.RegionHealth;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

/** Records the router's breaker and health changes with their time, to explain a scenario's figures. */
final class EventLog extends CallListener {
    private final ConcurrentLinkedQueue<Object[]> events = new ConcurrentLinkedQueue<>();

    @Override
    public void breakerStateChanged(Region region, BreakerState from, BreakerState to) {
        events.add(new Object[] {System.nanoTime(), region.name() + " breaker " + from + "→" + to});
    }

    @Override
    public void regionHealthChanged(Region region, RegionHealth from, RegionHealth to, String reason) {
        events.add(new Object[] {System.nanoTime(), region.name() + " " + from + "→" + to + " (" + reason + ")"});
    }

    /** @return the events after {@code origin}, as "t=1234 ms: ..." */
    String since(long origin) {
        List<String> lines = events.stream().filter(e -> (long) e[0] >= origin)
            .map(e -> String.format(Locale.ROOT, "t=%d ms: %s", ((long) e[0] - origin) / 1_000_000, e[1]))
            .collect(Collectors.toList());
        return String.join("; ", lines);
    }
}
