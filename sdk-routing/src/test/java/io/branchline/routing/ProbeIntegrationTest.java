package io.branchline.routing;

import io.branchline.core.models.ProbeResult;
import io.branchline.core.models.RegionHealth;
import io.branchline.core.models.RegionStatus;
import io.branchline.testkit.Fault;
import io.branchline.testkit.RecordedCall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Probes over real HTTP to the region simulator: what they send, what passes, and their own timeout. */
class ProbeIntegrationTest {
    private Fixture f;

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    private RegionStatus status(String region) {
        return f.router.status().stream().filter(s -> s.region().equals(region)).findFirst().orElseThrow();
    }

    @Test
    void probesArriveWithTheConfiguredMethodPathAndHeaders() {
        f = new Fixture(Fixture.regions("westeurope", 5)).start(Fixture.routerBuilder().healthProbe(
            HealthProbeOptions.builder().method("HEAD").path("/api/ready").header("x-branch", "branch-17")
                .timeout(Duration.ofSeconds(10)).build()),
            Fixture.failover().build());
        f.region("westeurope").respond("/api/ready", 200, "text/plain", new byte[0]);
        f.router.probeNow();
        List<RecordedCall> health = f.region("westeurope").recordedRequests().stream()
            .filter(r -> r.path().equals("/api/ready")).toList();
        assertEquals(1, health.size());
        assertEquals("HEAD", health.get(0).method());
        assertEquals("branch-17", health.get(0).header("x-branch"));
    }

    @Test
    void expectedStatusRangeOverRealHttp() {
        f = new Fixture(Fixture.regions("westeurope", 5, "northeurope", 5)).start(Fixture.routerBuilder()
            .healthProbe(HealthProbeOptions.builder().path("/api/ready").expectedStatus(200, 204).unhealthyThreshold(1)
                .timeout(Duration.ofSeconds(10)).build()), Fixture.failover().build());
        byte[] empty = "".getBytes(StandardCharsets.UTF_8);
        f.region("westeurope").respond("/api/ready", 204, "text/plain", empty);
        f.region("northeurope").respond("/api/ready", 226, "text/plain", empty);
        f.router.probeNow();
        assertEquals(RegionHealth.HEALTHY, status("westeurope").health());
        assertEquals(RegionHealth.UNHEALTHY, status("northeurope").health(), "226 is outside 200-204");
    }

    @Test
    void aProbeEndsAtItsOwnTimeoutNotTheCallTimeout() {
        f = new Fixture(Fixture.regions("westeurope", 5, "northeurope", 5)).start(Fixture.routerBuilder()
            .healthProbe(HealthProbeOptions.builder().timeout(Duration.ofMillis(300)).unhealthyThreshold(1).build()),
            Fixture.failover().build());
        List<ProbeResult> results = new CopyOnWriteArrayList<>();
        f.router.prober().resultObserver(results::add);
        f.region("northeurope").fault(Fault.blackhole());
        f.router.probeNow();
        assertEquals(RegionHealth.UNHEALTHY, status("northeurope").health());
        ProbeResult ne = results.stream().filter(r -> r.region().equals("northeurope")).findFirst().orElseThrow();
        assertTrue(ne.error() != null && ne.error().contains("300ms"),
            "timed out by the probe's 300 ms, not the client's 2 s response timeout: " + ne.error());
    }
}
