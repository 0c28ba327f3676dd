package io.branchline.telemetry;

import io.branchline.core.CallInfo;
import io.branchline.core.CallListener;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.Region;
import io.branchline.testkit.RegionSimulator;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** One simulated region and a client calling it with the given listeners; records every call's identity. */
final class Calls implements AutoCloseable {
    final RegionSimulator sim = RegionSimulator.builder().region("westeurope").build();
    final List<CallInfo> started = new CopyOnWriteArrayList<>();
    final FunctionClient client;

    Calls(CallListener... listeners) {
        FunctionClientBuilder b = new FunctionClientBuilder()
            .region(Region.builder("westeurope", sim.region("westeurope").baseUrl()).functionKey("fk-SECRET-1").build())
            .allowPlainHttp(true)
            .addListener(new CallListener() {
                @Override
                public void callStart(CallInfo call) {
                    started.add(call);
                }
            });
        for (CallListener l : listeners) {
            b.addListener(l);
        }
        client = b.buildClient();
    }

    void invoke(int n) {
        for (int i = 0; i < n; i++) {
            client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", Integer.toString(i)).build());
        }
    }

    @Override
    public void close() {
        client.close();
        sim.close();
    }
}
