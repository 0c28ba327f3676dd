package io.branchline.samples.functionapp;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.BindingName;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The functions a branch calls. Deployed unchanged to every region's Premium plan app; {@code REGION_NAME} (an app
 * setting) names the region in answers so branches and operators can see who served a call.
 *
 * <p>Orders are created with {@code PUT /api/orders/{id}} (idempotent: the branch chooses the id, so a retry in
 * another region cannot create a duplicate) or {@code POST /api/orders} with an {@code Idempotency-Key} header.
 * Keys are kept per instance here to keep the sample small; a real app keeps them in a shared store (Cosmos DB,
 * Table storage) that every region sees.
 */
public final class OrderFunctions {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private final Map<String, String> orders = new ConcurrentHashMap<>();
    private final String region;

    /** Reads the region name from the {@code REGION_NAME} app setting. */
    public OrderFunctions() {
        this(Optional.ofNullable(System.getenv("REGION_NAME")).orElse("unknown"));
    }

    OrderFunctions(String region) {
        this.region = region;
    }

    /**
     * {@code GET /api/orders/{id}}: one order.
     *
     * @param request the request
     * @param id the order id from the route
     * @param context the execution context
     * @return 200 with the order, 404 when unknown, 400 for a malformed id
     */
    @FunctionName("GetOrder")
    public HttpResponseMessage getOrder(
        @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "orders/{id}",
            authLevel = AuthorizationLevel.FUNCTION) HttpRequestMessage<Optional<String>> request,
        @BindingName("id") String id, ExecutionContext context) {
        if (!ID.matcher(id).matches()) {
            return json(request, HttpStatus.BAD_REQUEST, "{\"error\":\"id must be 1-64 letters, digits or dashes\"}");
        }
        String order = orders.get(id);
        if (order == null) {
            return json(request, HttpStatus.NOT_FOUND, "{\"error\":\"no order " + id + "\",\"region\":\"" + region + "\"}");
        }
        return json(request, HttpStatus.OK, order);
    }

    /**
     * {@code PUT /api/orders/{id}}: creates or replaces an order; safe to repeat.
     *
     * @param request the request, its body the order JSON
     * @param id the order id from the route
     * @param context the execution context
     * @return 200 with the stored order
     */
    @FunctionName("PutOrder")
    public HttpResponseMessage putOrder(
        @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = "orders/{id}",
            authLevel = AuthorizationLevel.FUNCTION) HttpRequestMessage<Optional<String>> request,
        @BindingName("id") String id, ExecutionContext context) {
        if (!ID.matcher(id).matches()) {
            return json(request, HttpStatus.BAD_REQUEST, "{\"error\":\"id must be 1-64 letters, digits or dashes\"}");
        }
        String body = request.getBody().orElse("");
        if (body.isBlank()) {
            return json(request, HttpStatus.BAD_REQUEST, "{\"error\":\"the body must hold the order JSON\"}");
        }
        String stored = "{\"id\":\"" + id + "\",\"region\":\"" + region + "\",\"order\":" + body.trim() + "}";
        orders.put(id, stored);
        context.getLogger().info("stored order " + id);
        return json(request, HttpStatus.OK, stored);
    }

    /**
     * {@code POST /api/orders}: creates an order once per {@code Idempotency-Key}.
     *
     * @param request the request, its body the order JSON
     * @param context the execution context
     * @return 201 with the order, 200 with the same order when the key was seen, 400 without a key
     */
    @FunctionName("CreateOrder")
    public HttpResponseMessage createOrder(
        @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "orders",
            authLevel = AuthorizationLevel.FUNCTION) HttpRequestMessage<Optional<String>> request,
        ExecutionContext context) {
        String key = header(request, "Idempotency-Key");
        if (key == null || !ID.matcher(key).matches()) {
            return json(request, HttpStatus.BAD_REQUEST, "{\"error\":\"send an Idempotency-Key header (1-64 letters, digits, dashes)\"}");
        }
        String body = request.getBody().orElse("{}").trim();
        String created = "{\"id\":\"" + key + "\",\"region\":\"" + region + "\",\"order\":" + body + "}";
        String previous = orders.putIfAbsent(key, created);
        return previous == null ? json(request, HttpStatus.CREATED, created) : json(request, HttpStatus.OK, previous);
    }

    private static String header(HttpRequestMessage<?> request, String name) {
        for (Map.Entry<String, String> e : request.getHeaders().entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    static HttpResponseMessage json(HttpRequestMessage<?> request, HttpStatus status, String body) {
        return json(request, status, body, Warmth.instance().callServed());
    }

    /** A JSON answer, marked {@value Warmth#HEADER} when this instance is still cold. */
    static HttpResponseMessage json(HttpRequestMessage<?> request, HttpStatus status, String body, boolean cold) {
        HttpResponseMessage.Builder b = request.createResponseBuilder(status).header("Content-Type", "application/json");
        if (cold) {
            b.header(Warmth.HEADER, "1");
        }
        return b.body(body).build();
    }
}
