package io.branchline.core;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import io.branchline.core.models.Attempt;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.time.OffsetDateTime;

import static io.branchline.core.Fixtures.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Misconfiguration fails at build() with a message that names the fix. */
class BuilderValidationTest {
    static final TokenCredential CREDENTIAL = r -> Mono.just(new AccessToken("t", OffsetDateTime.now().plusHours(1)));

    static String buildFails(FunctionClientBuilder b) {
        return assertThrows(IllegalStateException.class, b::buildClient).getMessage();
    }

    @Test
    void noRegion() {
        String m = buildFails(builder());
        assertTrue(m.contains("No region is configured") && m.contains("branchline.regions"), m);
    }

    @Test
    void duplicateRegionNames() {
        String m = buildFails(builder().region("we", "https://a.example").region("we", "https://b.example"));
        assertTrue(m.contains("'we' is configured twice"), m);
        String withEndpoint = buildFails(builder().region("default", "https://a.example").endpoint("https://b.example"));
        assertTrue(withEndpoint.contains("'default'"), withEndpoint);
    }

    @Test
    void plainHttpNeedsAllowPlainHttp() {
        String m = buildFails(new FunctionClientBuilder().configuration(com.azure.core.util.Configuration.NONE)
            .region("we", "http://orders.example"));
        assertTrue(m.contains("'we' uses plain HTTP") && m.contains("allowPlainHttp(true)"), m);
    }

    @Test
    void credentialNeedsScopeAndScopeNeedsCredential() {
        String noScope = buildFails(builder().region("we", "https://a.example").credential(CREDENTIAL));
        assertTrue(noScope.contains("scope(\"api://<client-id>/.default\")"), noScope);
        String noCredential = buildFails(builder().region("we", "https://a.example").scope("api://x/.default"));
        assertTrue(noCredential.contains("no credential"), noCredential);
    }

    @Test
    void credentialNeedsHttps() {
        String m = buildFails(builder().region("we", "http://localhost:1").credential(CREDENTIAL).scope("api://x/.default"));
        assertTrue(m.contains("'we' uses plain HTTP") && m.contains("credential"), m);
    }

    @Test
    void aRouterServesOneClient() {
        RegionRouter router = new RegionRouter() {
            @Override
            public RoutePlan plan(FunctionRequest request) {
                return RoutePlan.empty();
            }

            @Override
            public void onAttemptEnd(Region region, Attempt attempt) {
            }
        };
        try (FunctionClient first = builder().region("we", "https://a.example").router(router).buildClient()) {
            String m = buildFails(builder().region("we", "https://a.example").router(router));
            assertTrue(m.contains("router of its own"), m);
        }
    }

    @Test
    void badValuesAreRefusedAtOnce() {
        FunctionClientBuilder b = builder();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.functionKey(" ")).getMessage().contains("blank"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.dnsRefreshInterval(Duration.ofMillis(10)))
            .getMessage().contains("1 second to 1 hour"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.maxResponseSize(0)).getMessage()
            .contains("at least 1 byte"));
        assertEquals("region", assertThrows(NullPointerException.class, () -> b.region((Region) null)).getMessage());
        assertEquals("credential", assertThrows(NullPointerException.class, () -> b.credential(null)).getMessage());
        IllegalArgumentException url = assertThrows(IllegalArgumentException.class,
            () -> Region.of("we", "https://a.example/?code=abc123"));
        assertTrue(url.getMessage().contains("functionKey(...)") && !url.getMessage().contains("abc123"), url.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Region.builder("we", "https://a.example").weight(0));
        assertThrows(IllegalArgumentException.class, () -> Region.builder("we", "https://a.example").priority(-1));
    }

    @Test
    void retryOptionsMapToMaxAttempts() {
        FunctionClientBuilder b = builder().region("we", "https://a.example").retryOptions(
            new com.azure.core.http.policy.RetryOptions(new com.azure.core.http.policy.FixedDelayOptions(1, Duration.ofMillis(1))));
        try (FunctionAsyncClient client = b.buildAsyncClient()) {
            assertTrue(client.toString().contains("we"));
        }
        ClientCore core = ClientCore.create(builder().region("we", "https://a.example").retryOptions(
            new com.azure.core.http.policy.RetryOptions(new com.azure.core.http.policy.FixedDelayOptions(4, Duration.ofMillis(1)))));
        try {
            assertEquals(5, core.failover.maxAttempts());
        } finally {
            core.close();
        }
    }
}
