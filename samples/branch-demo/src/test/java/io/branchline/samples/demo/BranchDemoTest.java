package io.branchline.samples.demo;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BranchDemoTest {

    private static Timeline estimates(double... westeurope) {
        Timeline t = new Timeline(List.of("westeurope", "northeurope"));
        for (int i = 0; i < westeurope.length; i++) {
            t.add(new Timeline.Sample(i, Map.of("westeurope", westeurope[i], "northeurope", 30.0), Map.of(), Map.of()));
        }
        return t;
    }

    @Test
    void addedLatencyIsTheMedianEstimateAboveTheSimulatedOne() {
        // a cold first probe and an unknown estimate (-1) do not move the median
        assertEquals(4.0, BranchDemo.addedLatency(estimates(400, -1, 11, 12, 12, 13), "westeurope"), 1e-9);
        // a machine so busy that every estimate is some 150 ms
        assertEquals(142.0, BranchDemo.addedLatency(estimates(140, 150, 160), "westeurope"), 1e-9);
        // no estimate at all excuses nothing
        assertEquals(0.0, BranchDemo.addedLatency(estimates(-1, -1), "westeurope"), 1e-9);
    }

    @Test
    void durationsParse() {
        assertEquals(java.time.Duration.ofSeconds(20), BranchDemo.parseDuration("20s"));
        assertEquals(java.time.Duration.ofMinutes(2), BranchDemo.parseDuration("2m"));
        assertEquals(java.time.Duration.ofMillis(500), BranchDemo.parseDuration("500ms"));
    }
}
