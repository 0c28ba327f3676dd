package io.branchline.routing;

import io.branchline.testkit.AppConfigurationEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Run-time control from Azure App Configuration: the official azure-data-appconfiguration client, as the source uses
 * it, against the testkit's local store, which checks HMAC authentication, filters, paging and ETags as the service
 * documents them, over real HTTP.
 */
class AppConfigurationControlTest {
    private static final String PREFIX = AppConfigurationControl.DEFAULT_KEY_PREFIX;

    @TempDir
    Path dir;
    private AppConfigurationEndpoint store;
    private Fixture f;

    @BeforeEach
    void startStore() {
        store = AppConfigurationEndpoint.start();
    }

    @AfterEach
    void close() {
        if (f != null) {
            f.close();
        }
        store.close();
    }

    private AppConfigurationControl source() {
        return AppConfigurationControl.builder().connectionString(store.connectionString()).environment("production")
            .group("north").branch("branch-042").build();
    }

    private ControlSource start(ControlSource source) {
        f = new Fixture(Fixture.regions("we", 5, "ne", 20, "us", 70)).start(Fixture.routerBuilder().control(source)
            .lastKnownGood(dir.resolve("routing.state")), Fixture.failover().build());
        f.router.probeNow();
        return source;
    }

    @Test
    void aDrainInTheStoreAppliesAndAnUnchangedStoreCostsOneNotModifiedAnswer() {
        ControlSource source = start(source());
        f.router.control().pollNow(source);
        assertEquals("we", f.firstInPlan());

        store.set(PREFIX + "exclude", "production", "we");
        f.router.control().pollNow(source);
        assertEquals("ne", f.firstInPlan());
        assertEquals("excluded by control (" + source.description() + ")",
            f.router.plan(io.branchline.core.FunctionRequest.get("/x").build()).unavailable().get("we"));

        int before = store.notModifiedCount();
        int requests = store.requestCount();
        f.router.control().pollNow(source);
        f.router.control().pollNow(source);
        assertEquals(before + 2, store.notModifiedCount(), "polls of an unchanged store are answered 304");
        assertEquals(requests + 2, store.requestCount(), "one request per poll");
        assertEquals(0, store.rejectedCount(), "every request was authenticated");
    }

    @Test
    void aListingOfSeveralPagesIsReadWholeAndAChangeOnItsLastPageApplies() {
        store.pageSize(1);
        ControlSource source = start(source());
        store.set(PREFIX + "exclude", "production", "we");
        store.set(PREFIX + "hedge-reads", "production", "false");
        store.set(PREFIX + "pin", "branch=branch-042", "us");
        f.router.control().pollNow(source);
        assertEquals(Map.of("exclude", "we", "hedge-reads", "false", "pin", "us"), f.router.control().current().values,
            "every page was read");

        int before = store.notModifiedCount();
        f.router.control().pollNow(source);
        assertEquals(before + 3, store.notModifiedCount(), "each of the three pages answered 304");
        assertEquals(Map.of("exclude", "we", "hedge-reads", "false", "pin", "us"), f.router.control().current().values);

        store.set(PREFIX + "pin", "branch=branch-042", "ne");
        f.router.control().pollNow(source);
        assertEquals(Map.of("exclude", "we", "hedge-reads", "false", "pin", "ne"), f.router.control().current().values,
            "the unchanged pages' values are kept beside the changed page's");
        assertEquals("ne", f.firstInPlan());
        assertEquals(0, store.rejectedCount(), "every page request, the next links included, was authenticated");
    }

    @Test
    void branchAndGroupLabelsOverrideFleetWideValues() {
        ControlSource source = start(source());
        store.set(PREFIX + "exclude", "production", "we");
        store.set(PREFIX + "pin", "production", "us");
        store.set(PREFIX + "pin", "group=north", "ne");
        store.set(PREFIX + "exclude", "branch=branch-042", "");
        store.set(PREFIX + "exclude", "branch=branch-007", "ne");
        store.set(PREFIX + "exclude", "staging", "ne");
        f.router.control().pollNow(source);
        Control c = f.router.control().current();
        assertEquals(java.util.Set.of(), c.excluded, "this branch's label wins over the fleet-wide drain");
        assertEquals(java.util.List.of("ne"), c.pins, "the group's label wins over the fleet-wide pin");
        assertEquals("ne", f.firstInPlan());
    }

    @Test
    void anUnreachableStoreKeepsTheLastGoodControlAndARestartWithTheStoreDownRestoresIt() {
        ControlSource source = start(source());
        store.set(PREFIX + "exclude", null, "ignored: fleet-wide values carry the environment's label");
        store.set(PREFIX + "exclude", "production", "we");
        store.set(PREFIX + "hedge-reads", "production", "false");
        f.router.control().pollNow(source);
        assertEquals("ne", f.firstInPlan());

        store.down();
        f.router.control().pollNow(source);
        assertEquals("ne", f.firstInPlan(), "the last good control stays while the store is unreachable");

        f.close();
        f = null;
        ControlSource again = start(source());
        assertEquals("ne", f.firstInPlan(), "restored from the last good control before any poll");
        assertNull(f.router.plan(io.branchline.core.FunctionRequest.get("/x").build()).hedgeDelay());
        f.router.control().pollNow(again);
        assertEquals("ne", f.firstInPlan());
        assertTrue(f.router.control().current().source.startsWith("the last good control saved at "),
            f.router.control().current().source);

        store.up();
        store.delete(PREFIX + "exclude", "production");
        f.router.control().pollNow(again);
        assertEquals("we", f.firstInPlan(), "the store answers again: its control applies");
        assertEquals(Map.of("hedge-reads", "false"), f.router.control().current().values);
    }

    @Test
    void aWrongAccessKeyIsRefusedAndChangesNothing() {
        String wrong = store.connectionString().replaceAll("Secret=[^;]+", "Secret=" + java.util.Base64.getEncoder()
            .encodeToString(new byte[32]));
        ControlSource source = start(AppConfigurationControl.builder().connectionString(wrong)
            .environment("production").branch("branch-042").build());
        store.set(PREFIX + "exclude", "production", "we");
        f.router.control().pollNow(source);
        assertEquals("we", f.firstInPlan());
        assertTrue(store.rejectedCount() > 0);
    }
}
