package io.branchline.samples.functionapp;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;

import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /api/health}: the anonymous health function Branchline's probes call in each region. It answers 200
 * when the app can serve, 503 when a dependency it needs is down, so a branch moves away before its calls fail.
 * It is anonymous on purpose (probes carry no secret); it reveals nothing but the region name.
 */
public final class HealthFunction {
    private final String region;
    private final BooleanSupplier dependenciesUp;

    /** Reads the region from {@code REGION_NAME}; a real app checks its database or queue here. */
    public HealthFunction() {
        this(Optional.ofNullable(System.getenv("REGION_NAME")).orElse("unknown"), () -> true);
    }

    HealthFunction(String region, BooleanSupplier dependenciesUp) {
        this.region = region;
        this.dependenciesUp = dependenciesUp;
    }

    /**
     * Answers the probe.
     *
     * @param request the request
     * @param context the execution context
     * @return 200 {@code {"status":"Healthy"}} or 503 {@code {"status":"Unhealthy"}}
     */
    @FunctionName("Health")
    public HttpResponseMessage health(
        @HttpTrigger(name = "req", methods = {HttpMethod.GET, HttpMethod.HEAD}, route = "health",
            authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
        ExecutionContext context) {
        boolean up = dependenciesUp.getAsBoolean();
        return OrderFunctions.json(request, up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE,
            "{\"status\":\"" + (up ? "Healthy" : "Unhealthy") + "\",\"region\":\"" + region + "\"}");
    }
}
