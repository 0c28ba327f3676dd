package io.branchline.core;

import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.core.util.ClientOptions;
import com.azure.core.util.Context;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import static io.branchline.core.Fixtures.builder;
import static io.branchline.core.Fixtures.ok;
import static io.branchline.core.Fixtures.region;
import static io.branchline.core.Fixtures.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The User-Agent every request carries, set by the client itself (not a pipeline step), with azure-core's
 * per-call context keys honoured as {@link UserAgentPolicy} does.
 */
class UserAgentTest {
    @StartStop
    final MockWebServer we = new MockWebServer();

    @Test
    void theClientsUserAgentReplacesTheRequestsOwn() throws Exception {
        we.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(region("we", we))
            .clientOptions(new ClientOptions().setApplicationId("branch-app")).buildClient()) {
            client.invoke(FunctionRequest.get("/api/x").header("User-Agent", "mine").build());
            String ua = take(we).getHeaders().get("User-Agent");
            assertTrue(ua.startsWith("branch-app azsdk-java-branchline/"), ua);
            assertTrue(!ua.contains("mine"), ua);
        }
    }

    @Test
    void aCallsContextMayAppendToOrOverrideTheUserAgent() throws Exception {
        we.enqueue(ok("{}"));
        we.enqueue(ok("{}"));
        try (FunctionClient client = builder().region(region("we", we)).buildClient()) {
            client.invoke(FunctionRequest.get("/api/x").build(),
                new Context(UserAgentPolicy.APPEND_USER_AGENT_CONTEXT_KEY, "nightly-sync"));
            RecordedRequest appended = take(we);
            assertTrue(appended.getHeaders().get("User-Agent").startsWith("azsdk-java-branchline/"));
            assertTrue(appended.getHeaders().get("User-Agent").endsWith(" nightly-sync"));

            client.invoke(FunctionRequest.get("/api/x").build(),
                new Context(UserAgentPolicy.OVERRIDE_USER_AGENT_CONTEXT_KEY, "legacy-erp/4.2"));
            assertEquals("legacy-erp/4.2", take(we).getHeaders().get("User-Agent"));
        }
    }
}
