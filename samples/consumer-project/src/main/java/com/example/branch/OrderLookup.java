package com.example.branch;

// BEGIN: readme.testkit.code
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionRequest;

import java.util.Optional;

/** Application code: looks orders up in the orders function app, wherever it answers from. */
public final class OrderLookup {
    private final FunctionClient client;

    public OrderLookup(FunctionClient client) {
        this.client = client;
    }

    /** The order as JSON, or empty when the function answers 404. */
    public Optional<String> find(String id) {
        try {
            return Optional.of(client.invoke(
                FunctionRequest.get("/api/orders/{id}").pathParam("id", id).build()).bodyAsString());
        } catch (FunctionCallException e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
// END: readme.testkit.code
