package com.example.branch;

// BEGIN: readme.route
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.Route;

final class WhyThere {
    static void explain(FunctionClient client) {
        FunctionResponse r = client.invoke(FunctionRequest.get("/api/catalog").build());
        Route route = r.route(); // built now, from the plan the call used and its attempts
        System.out.println(route.compact()); // westeurope(nearest)>northeurope(failover:CONNECT_FAILED)
        for (Route.Candidate c : route.plan()) {
            System.out.println(c.region() + ": " + c.detail()); // westeurope: nearest by 15 ms (5 ms; next ...)
        }
        for (Route.Candidate c : route.leftOut()) {
            System.out.println(c.region() + " left out: " + c.detail()); // eastus left out: circuit open until ...
        }
        for (Route.Step s : route.steps()) {
            // westeurope first: nearest by 15 ms ... -> CONNECT_FAILED
            // northeurope failover after CONNECT_FAILED in westeurope -> SUCCESS
            System.out.println(s.attempt().region() + " " + s.detail() + " -> " + s.attempt().outcome());
        }
    }
}
// END: readme.route
