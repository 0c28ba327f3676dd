package io.branchline.samples.functionapp;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code GET /api/health}: the anonymous health function Branchline's probes call in each region. It answers 200
 * when every dependency the app registered in its {@link Readiness} is usable, 503 naming the failed checks when
 * not, so a branch moves away before its calls fail. It is anonymous on purpose (probes carry no secret); it reveals
 * the region name and the names of the checks, never an address or a key. While the instance is still warming up
 * ({@link Warmth}) the answer carries {@code x-branchline-cold-start: 1}.
 */
public final class HealthFunction {
    private final String region;
    private final Readiness readiness;
    private final Warmth warmth;

    /** Reads the region from {@code REGION_NAME} and uses the app's checks ({@link Readiness#app()}). */
    public HealthFunction() {
        this(Optional.ofNullable(System.getenv("REGION_NAME")).orElse("unknown"), Readiness.app());
    }

    HealthFunction(String region, Readiness readiness) {
        this(region, readiness, Warmth.instance());
    }

    HealthFunction(String region, Readiness readiness, Warmth warmth) {
        this.warmth = Objects.requireNonNull(warmth, "warmth");
        this.region = region;
        this.readiness = Objects.requireNonNull(readiness, "readiness");
    }

    /**
     * Answers the probe.
     *
     * @param request the request
     * @param context the execution context
     * @return 200 {@code {"status":"Healthy",...}} or 503 {@code {"status":"Unhealthy",...}}, with each check's result
     */
    @FunctionName("Health")
    public HttpResponseMessage health(
        @HttpTrigger(name = "req", methods = {HttpMethod.GET, HttpMethod.HEAD}, route = "health",
            authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
        ExecutionContext context) {
        Readiness.Report report = readiness.evaluate();
        StringBuilder checks = new StringBuilder();
        for (Map.Entry<String, String> e : report.checks().entrySet()) {
            checks.append(checks.length() == 0 ? "" : ",").append('"').append(json(e.getKey())).append("\":\"")
                .append(json(e.getValue())).append('"');
        }
        if (!report.ready()) {
            context.getLogger().warning("not ready: " + report.checks());
        }
        // a probe is not a call: it does not warm the instance, but it says whether the instance is still cold
        return OrderFunctions.json(request, report.ready() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE,
            "{\"status\":\"" + (report.ready() ? "Healthy" : "Unhealthy") + "\",\"region\":\"" + json(region)
                + "\",\"checks\":{" + checks + "}}", warmth.isCold());
    }

    private static String json(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
