package io.branchline.routing;

import io.branchline.core.FunctionRequest;
import io.branchline.testkit.RecordedCall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link NearestRegionRouter#fromProperties} and {@link NearestRegionRouter#fromEnvironment(Map)}. */
class RoutingSettingsTest {
    private Fixture f;

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    private static Properties full(Path dir) {
        Properties p = new Properties();
        p.setProperty("branchline.routing.strategy", "priority");
        p.setProperty("branchline.routing.probe.path", "/api/custom-health");
        p.setProperty("branchline.routing.probe.method", "head");
        p.setProperty("branchline.routing.probe.interval", "750ms");
        p.setProperty("branchline.routing.probe.unhealthy-interval", "250ms");
        p.setProperty("branchline.routing.probe.timeout", "PT1S");
        p.setProperty("branchline.routing.probe.enabled", "true");
        p.setProperty("branchline.routing.breaker.consecutive-failures", "7");
        p.setProperty("branchline.routing.breaker.open-time", "3s");
        p.setProperty("branchline.routing.failback-dwell", "2m");
        p.setProperty("branchline.routing.slow-start", "0");
        p.setProperty("branchline.routing.pin", "northeurope, westeurope");
        p.setProperty("branchline.routing.concurrency-limits", "northeurope=32");
        p.setProperty("branchline.routing.concurrency-limit.westeurope", "100");
        p.setProperty("branchline.routing.panic", "false");
        p.setProperty("branchline.routing.last-known-good", dir.resolve("routing.state").toString());
        return p;
    }

    private static Map<String, String> asEnvironment(Properties p) {
        Map<String, String> env = new HashMap<>();
        for (String name : p.stringPropertyNames()) {
            if (name.startsWith(RoutingSettings.LIMIT_PREFIX)) {
                continue; // no per-region variables: the list form carries them
            }
            env.put(io.branchline.core.spi.Setting.environmentName(name), p.getProperty(name));
        }
        env.put("BRANCHLINE_ROUTING_CONCURRENCY_LIMITS", "northeurope=32,westeurope=100");
        return env;
    }

    @Test
    void aFullConfigurationIsApplied(@TempDir Path dir) {
        NearestRegionRouter router = NearestRegionRouter.fromProperties(full(dir)).build();
        String s = router.toString();
        assertTrue(s.contains("strategy=PRIORITY"), s);
        assertTrue(s.contains("HEAD /api/custom-health, interval=PT0.75S, unhealthyInterval=PT0.25S"), s);
        assertTrue(s.contains("timeout=PT1S"), s);
        assertTrue(s.contains("consecutiveFailures=7"), s);
        assertTrue(s.contains("openTime=PT3S"), s);
        assertTrue(s.contains("failbackDwell=PT2M, slowStart=PT0S"), s);
        assertTrue(s.contains("pins=[northeurope, westeurope]"), s);
        assertTrue(s.contains("limits={northeurope=32, westeurope=100}"), s);
        assertTrue(s.contains("panic=false"), s);
        assertTrue(s.contains("lastKnownGood=" + dir.resolve("routing.state")), s);
    }

    @Test
    void theEnvironmentGivesTheSameRouter(@TempDir Path dir) {
        assertEquals(NearestRegionRouter.fromProperties(full(dir)).build().toString(),
            NearestRegionRouter.fromEnvironment(asEnvironment(full(dir))).build().toString());
    }

    @Test
    void absentSettingsKeepTheDefaultsAndTheBuilderStillWins() {
        assertEquals(NearestRegionRouter.create().toString(),
            NearestRegionRouter.fromProperties(new Properties()).build().toString());
        assertEquals(NearestRegionRouter.create().toString(),
            NearestRegionRouter.fromEnvironment(Map.of("PATH", "/usr/bin")).build().toString());
        Properties p = new Properties();
        p.setProperty("branchline.routing.strategy", "weighted");
        assertTrue(NearestRegionRouter.fromProperties(p).strategy(RoutingStrategy.NEAREST).build().toString()
            .contains("strategy=NEAREST"));
    }

    @Test
    void probeOffAndALongOpenTime() {
        Properties p = new Properties();
        p.setProperty("branchline.routing.probe.enabled", "false");
        p.setProperty("branchline.routing.breaker.open-time", "5m");
        String s = NearestRegionRouter.fromProperties(p).build().toString();
        assertTrue(s.contains("HealthProbeOptions{disabled}"), s);
        assertTrue(s.contains("openTime=PT5M, maxOpenTime=PT5M"), s);
    }

    @Test
    void probePathAndMethodAndPinsTakeEffectAgainstRealRegions() {
        Properties p = new Properties();
        p.setProperty("branchline.routing.probe.path", "/api/custom-health");
        p.setProperty("branchline.routing.probe.method", "HEAD");
        p.setProperty("branchline.routing.probe.timeout", "1s");
        p.setProperty("branchline.routing.pin", "northeurope");
        f = new Fixture(Fixture.regions("westeurope", 0, "northeurope", 15))
            .start(NearestRegionRouter.fromProperties(p).manualProbes(), Fixture.failover().build());
        f.router.probeNow();
        for (String region : List.of("westeurope", "northeurope")) {
            assertEquals(1, f.region(region).requestCount("/api/custom-health"), region);
            assertEquals(0, f.region(region).healthRequestCount(), "the default path is not probed in " + region);
            RecordedCall probe = f.region(region).recordedRequests().get(0);
            assertEquals("HEAD", probe.method());
        }
        // northeurope is slower but pinned
        assertEquals("northeurope", f.firstInPlan());
        assertEquals("northeurope", f.get().region().name());
        assertEquals(List.of("northeurope", "westeurope"), f.router.plan(FunctionRequest.get("/api/orders").build())
            .regions().stream().map(r -> r.name()).toList());
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
            Arguments.of("branchline.routing.strategy", "fastest", "one of nearest, priority, weighted"),
            Arguments.of("branchline.routing.probe.path", "api/health", "an absolute path without query, e.g. /api/health"),
            Arguments.of("branchline.routing.probe.path", "/api/health?x=1", "an absolute path without query"),
            Arguments.of("branchline.routing.probe.method", "GET /", "one of GET, HEAD, OPTIONS"),
            Arguments.of("branchline.routing.probe.method", "FOO", "one of GET, HEAD, OPTIONS"),
            Arguments.of("branchline.routing.probe.interval", "5", "a duration from 10ms to 1h with a unit, such as 500ms, 10s"),
            Arguments.of("branchline.routing.probe.interval", "5ms", "a duration from 10ms"),
            Arguments.of("branchline.routing.probe.unhealthy-interval", "2", "a duration from 10ms to 1h with a unit"),
            Arguments.of("branchline.routing.probe.timeout", "0s", "a duration from 1ms to 10m"),
            Arguments.of("branchline.routing.probe.enabled", "sometimes", "true or false"),
            Arguments.of("branchline.routing.breaker.consecutive-failures", "three", "a whole number from 1 to 1000"),
            Arguments.of("branchline.routing.breaker.consecutive-failures", "0", "a whole number from 1 to 1000"),
            Arguments.of("branchline.routing.breaker.open-time", "PTX", "a duration from 1ms to 24h"),
            Arguments.of("branchline.routing.failback-dwell", "-5s", "a duration from 0 to 24h"),
            Arguments.of("branchline.routing.slow-start", "10 seconds", "a duration from 0 to 24h"),
            Arguments.of("branchline.routing.concurrency-limits", "onprem:32", "region=limit pairs separated by commas"),
            Arguments.of("branchline.routing.concurrency-limits", "onprem=0", "each limit from 1 to 100000"),
            Arguments.of("branchline.routing.concurrency-limits", "onprem=1,onprem=2", "each region once"),
            Arguments.of("branchline.routing.panic", "maybe", "true or false"),
            Arguments.of("branchline.routing.last-known-good", "/var/lib/\u0000state", "a file path"),
            Arguments.of("branchline.routing.breaker.open-time", "999999999h", "a duration from 1ms to 24h"));
    }

    /** Messages show control characters escaped, so that they stay on one line. */
    static String shown(String value) {
        return value.replace("\u0000", "\\u0000");
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("malformed")
    void aMalformedPropertyIsNamedWithItsValueAndTheFix(String property, String value, String expected) {
        Properties p = new Properties();
        p.setProperty(property, value);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NearestRegionRouter.fromProperties(p));
        String m = e.getMessage();
        assertTrue(m.startsWith("Setting " + property + " has an invalid value '" + shown(value) + "'"), m);
        assertTrue(m.contains(expected), m);
        assertTrue(m.contains("properties"), m);
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("malformed")
    void aMalformedVariableIsNamedWithItsPropertyItsValueAndTheFix(String property, String value, String expected) {
        String env = io.branchline.core.spi.Setting.environmentName(property);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NearestRegionRouter.fromEnvironment(Map.of(env, value)));
        String m = e.getMessage();
        assertTrue(m.startsWith("Setting " + property + " (" + env + ") has an invalid value '" + shown(value) + "'"), m);
        assertTrue(m.contains(expected), m);
        assertTrue(m.contains("environment"), m);
    }

    @Test
    void aMalformedPerRegionLimitIsNamed() {
        Properties p = new Properties();
        p.setProperty("branchline.routing.concurrency-limit.onprem", "lots");
        String m = assertThrows(IllegalArgumentException.class, () -> NearestRegionRouter.fromProperties(p)).getMessage();
        assertTrue(m.contains("branchline.routing.concurrency-limit.onprem has an invalid value 'lots'"), m);
        assertTrue(m.contains("a whole number from 1 to 100000"), m);

        p.setProperty("branchline.routing.concurrency-limit.onprem", "8");
        p.setProperty("branchline.routing.concurrency-limits", "onprem=16");
        m = assertThrows(IllegalArgumentException.class, () -> NearestRegionRouter.fromProperties(p)).getMessage();
        assertTrue(m.contains("branchline.routing.concurrency-limit.onprem") && m.contains("once"), m);
    }

    @Test
    void aPerRegionLimitVariableIsRejectedWithTheListForm() {
        String m = assertThrows(IllegalArgumentException.class, () -> NearestRegionRouter.fromEnvironment(
            Map.of("BRANCHLINE_ROUTING_CONCURRENCY_LIMIT_ONPREM", "32"))).getMessage();
        assertTrue(m.contains("BRANCHLINE_ROUTING_CONCURRENCY_LIMIT_ONPREM"), m);
        assertTrue(m.contains("BRANCHLINE_ROUTING_CONCURRENCY_LIMITS=onprem=32,westeurope=100"), m);
    }

    @Test
    void aLimitOrPinOfAnUnknownRegionFailsWhenTheClientStarts() {
        Properties p = new Properties();
        p.setProperty("branchline.routing.concurrency-limits", "onprem=32");
        f = new Fixture(Fixture.regions("westeurope", 0));
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> f.start(NearestRegionRouter.fromProperties(p).manualProbes(), Fixture.failover().build()));
        assertTrue(e.getMessage().contains("'onprem'"), e.getMessage());
    }
}
