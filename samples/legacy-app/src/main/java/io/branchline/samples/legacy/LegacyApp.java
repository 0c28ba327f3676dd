package io.branchline.samples.legacy;

import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.NoRegionAvailableException;
import io.branchline.core.models.Attempt;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A legacy branch program: plain blocking calls, configuration from a properties file only, explicit error
 * handling and a clean shutdown. Run it with {@code java -jar legacy-app.jar branchline.properties}.
 */
public final class LegacyApp {
    private LegacyApp() {
    }

    /**
     * Loads the properties named on the command line (default {@code branchline.properties}) and runs.
     *
     * @param args the properties file
     * @throws IOException when the file cannot be read
     */
    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "branchline.properties");
        Properties settings = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            settings.load(in);
        }
        System.exit(run(settings, System.out));
    }

    /**
     * The program: read an order, store one idempotently, create one with a POST, and report failures. Calls go
     * through the nearest-region router ({@code branchline.routing.*}); with a connection string
     * ({@code branchline.telemetry.connection-string}) every call is also sent to Azure Monitor.
     *
     * @param settings the branchline.* settings
     * @param out where to print
     * @return the process exit code: 0 when every call succeeded
     */
    static int run(Properties settings, PrintStream out) {
        int failures = 0;
        // One line builds everything the properties describe: with branchline-routing on the class path the
        // nearest-region router (probes, circuit breakers, failback) configured by branchline.routing.*, and with
        // branchline-telemetry and a connection string the Azure Monitor exporter, closed with the client (what
        // Azure Monitor cannot take then is spooled to disk for the next run).
        FunctionClient client;
        try {
            client = FunctionClientBuilder.fromProperties(settings).buildClient();
        } catch (IllegalArgumentException | IllegalStateException e) {
            // Misconfiguration: the message names the setting and how to fix it (never a key or connection string).
            out.println("configuration error: " + e.getMessage());
            return 2;
        }
        // The client is thread-safe and meant to live as long as the program; try-with-resources closes it.
        try (client) {
            // An idempotent write: PUT with an id the branch chose can safely be retried in another region.
            FunctionResponse stored = client.invoke(FunctionRequest.put("/api/orders/{id}").pathParam("id", "B042-0001")
                .jsonBody(new Order("B042-0001", "pallet", 3)).build());
            out.println("stored order in " + stored.region().name() + ": HTTP " + stored.statusCode());

            // A read: GET is idempotent; Branchline may hedge or fail it over.
            FunctionResponse read = client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", "B042-0001").build());
            out.println("read order from " + read.region().name() + " in " + read.duration().toMillis() + " ms");

            // A POST is not idempotent: it is retried elsewhere only if it certainly never reached a server.
            // The Idempotency-Key lets the function app recognise a replay; mark it idempotent only when the app does.
            try {
                FunctionResponse created = client.invoke(FunctionRequest.post("/api/orders")
                    .header("Idempotency-Key", "B042-0002").jsonBody(new Order("B042-0002", "crate", 1)).build());
                out.println("created order in " + created.region().name() + ": HTTP " + created.statusCode());
            } catch (NoRegionAvailableException e) {
                failures++;
                out.println("no region could take the order: " + e.unavailableRegions());
            } catch (FunctionCallException e) {
                failures++;
                out.println("creating the order failed with HTTP " + e.statusCode() + " in " + e.region());
                for (Attempt a : e.attempts()) {
                    out.println("  " + a.describe());
                }
            }
        } catch (FunctionCallException e) {
            out.println("call failed: " + e.getMessage());
            return 1;
        }
        return failures == 0 ? 0 : 1;
    }

    /** The order sent as JSON. */
    public static final class Order {
        private final String id;
        private final String item;
        private final int quantity;

        Order(String id, String item, int quantity) {
            this.id = id;
            this.item = item;
            this.quantity = quantity;
        }

        /** @return the order id */
        public String getId() {
            return id;
        }

        /** @return the item */
        public String getItem() {
            return item;
        }

        /** @return the quantity */
        public int getQuantity() {
            return quantity;
        }
    }
}
