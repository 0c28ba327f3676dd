package io.branchline.samples.onprem;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.branchline.core.FunctionCallException;
import io.branchline.core.FunctionClient;
import io.branchline.core.FunctionClientBuilder;
import io.branchline.core.FunctionRequest;
import io.branchline.core.FunctionResponse;
import io.branchline.core.models.RegionHealth;
import io.branchline.core.models.RegionStatus;
import io.branchline.routing.NearestRegionRouter;
import io.branchline.telemetry.AzureMonitorExporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * A long-running branch service for an on-prem VM: it relays the branch's order lookups to the orders function app
 * in the nearest healthy region, sends call telemetry to Azure Monitor, and answers its own health endpoint for the
 * branch's monitoring. Configured from the environment only ({@code BRANCHLINE_*}, {@code BRANCHLINE_ROUTING_*},
 * {@code BRANCHLINE_TELEMETRY_*} and {@code APPLICATIONINSIGHTS_CONNECTION_STRING}, see
 * {@code deploy/orders.env.example}). SIGTERM shuts it down gracefully: stop accepting, finish calls in flight, flush (or spool) telemetry.
 */
public final class OnPremService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OnPremService.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    /** Defaults of this service that differ from Branchline's; the environment overrides them. */
    private static final Map<String, String> SERVICE_DEFAULTS = Map.of(
        "BRANCHLINE_TELEMETRY_ROLE_NAME", "branchline-orders-relay");

    private final FunctionClient client;
    private final AzureMonitorExporter exporter;
    private final HttpServer server;
    private final ExecutorService workers;
    private final CountDownLatch stopped = new CountDownLatch(1);

    OnPremService(Map<String, String> env) throws IOException {
        // The service's own defaults, under whatever the environment sets.
        Map<String, String> settings = new HashMap<>(SERVICE_DEFAULTS);
        settings.putAll(env);
        AtomicReference<FunctionClient> holder = new AtomicReference<>();
        // Telemetry only when APPLICATIONINSIGHTS_CONNECTION_STRING is set; the BRANCHLINE_TELEMETRY_* settings
        // name the branch (BRANCHLINE_TELEMETRY_BRANCH, default the host name) and the spool folder.
        this.exporter = AzureMonitorExporter.isConfiguredInEnvironment(settings)
            ? AzureMonitorExporter.fromEnvironment(settings)
                .regionStatus(() -> holder.get() == null ? List.of() : holder.get().regionStatus()).build()
            : null;
        try {
            // The router's BRANCHLINE_ROUTING_* settings: probes, breakers, last-known-good file, limits.
            FunctionClientBuilder builder = FunctionClientBuilder.fromEnvironment(settings)
                .router(NearestRegionRouter.fromEnvironment(settings).build());
            if (exporter != null) {
                builder.addListener(exporter);
            }
            this.client = builder.buildClient();
        } catch (RuntimeException e) {
            if (exporter != null) {
                exporter.close();
            }
            throw e;
        }
        holder.set(client);
        int port = Integer.parseInt(env.getOrDefault("ORDERS_RELAY_PORT", "8085"));
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        this.workers = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "relay-worker");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(workers);
        server.createContext("/health", this::health);
        server.createContext("/orders/", this::order);
        server.start();
        LOG.info("Serving on http://127.0.0.1:{} (regions: {})", server.getAddress().getPort(), client.regions().size());
    }

    /**
     * Starts the service and waits until SIGTERM (or Ctrl-C).
     *
     * @param args none
     * @throws Exception when it cannot start
     */
    public static void main(String[] args) throws Exception {
        OnPremService service;
        try {
            service = new OnPremService(System.getenv());
        } catch (IllegalArgumentException | IllegalStateException e) {
            // Misconfiguration: the message names the setting and the fix (systemd shows it in the journal).
            System.err.println("branchline-orders: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "graceful-shutdown"));
        service.stopped.await();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** {@code GET /health}: 200 while at least one region can serve, 503 when none can; lists every region. */
    private void health(HttpExchange exchange) throws IOException {
        StringBuilder json = new StringBuilder("{\"regions\":[");
        boolean anyUp = false;
        for (RegionStatus s : client.regionStatus()) {
            anyUp |= s.health() != RegionHealth.UNHEALTHY && s.throttledUntil() == null;
            json.append(json.charAt(json.length() - 1) == '[' ? "" : ",").append("{\"name\":\"").append(s.region())
                .append("\",\"health\":\"").append(s.health()).append("\",\"breaker\":\"").append(s.breaker())
                .append("\",\"latencyMs\":").append(s.latency() == null ? "null" : s.latency().toMillis()).append('}');
        }
        json.append("],\"status\":\"").append(anyUp ? "UP" : "DOWN").append("\"}");
        send(exchange, anyUp ? 200 : 503, json.toString());
    }

    /** {@code GET /orders/{id}}: relayed to {@code GET /api/orders/{id}} of the function app. */
    private void order(HttpExchange exchange) throws IOException {
        String id = exchange.getRequestURI().getPath().substring("/orders/".length());
        if (!"GET".equals(exchange.getRequestMethod()) || !ID.matcher(id).matches()) {
            send(exchange, 400, "{\"error\":\"use GET /orders/{id}\"}");
            return;
        }
        try {
            FunctionResponse r = client.invoke(FunctionRequest.get("/api/orders/{id}").pathParam("id", id).build());
            exchange.getResponseHeaders().set("x-served-by-region", r.region().name());
            send(exchange, r.statusCode(), r.bodyAsString());
        } catch (FunctionCallException e) {
            // The message names each region tried and why it failed; it never holds keys or tokens.
            LOG.warn("order {} failed: {}", id, e.getMessage());
            send(exchange, e.statusCode() >= 400 && e.statusCode() < 500 ? e.statusCode() : 502,
                "{\"error\":\"the orders service is unavailable\"}");
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops accepting, lets calls in flight finish (up to 10 s), closes the client and flushes telemetry. */
    @Override
    public void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        LOG.info("Shutting down: finishing calls in flight and flushing telemetry");
        server.stop(0);
        workers.shutdown();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
        if (exporter != null) {
            exporter.flush(Duration.ofSeconds(10));
            exporter.close();
        }
        stopped.countDown();
        LOG.info("Stopped");
    }
}
