package io.branchline.telemetry;

import io.branchline.core.CallListener;
import io.branchline.core.spi.ClientExtension;
import io.branchline.core.spi.ExtensionContext;
import io.branchline.core.spi.Setting;

import java.util.List;

/**
 * Gives a client built from settings ({@code FunctionClientBuilder.fromProperties} / {@code fromEnvironment}) an
 * {@link AzureMonitorExporter} configured by {@code branchline.telemetry.*} when a connection string is set, sending
 * through the client's own HTTP client (its proxy, TLS trust and DNS refresh) and closed with the client, unless the
 * application added an exporter itself. Found by core through {@link java.util.ServiceLoader}; not for direct use.
 */
public final class TelemetryExtension implements ClientExtension {
    /** Used by {@link java.util.ServiceLoader}. */
    public TelemetryExtension() {
    }

    @Override
    public String artifact() {
        return "io.branchline:branchline-telemetry";
    }

    @Override
    public String prefix() {
        return TelemetrySettings.PREFIX;
    }

    @Override
    public List<Setting<?>> settings() {
        return TelemetrySettings.DEFS;
    }

    @Override
    public void configure(ExtensionContext context) {
        TelemetrySettings settings = new TelemetrySettings(context.settings());
        if (!settings.configured()) {
            return;
        }
        for (CallListener l : context.listeners()) {
            if (l instanceof AzureMonitorExporter) {
                context.wired("telemetry by the exporter added on the builder");
                return;
            }
        }
        AzureMonitorExporter.Builder b = settings.toBuilder().regionStatus(context.regionStatus());
        if (context.httpClient() != null) {
            b.httpClient(context.httpClient());
        }
        AzureMonitorExporter exporter = b.build();
        context.closeWithClient(exporter);
        context.addListener(exporter);
        context.wired("telemetry to Azure Monitor at "
            + context.settings().get(TelemetrySettings.CONNECTION_STRING).ingestionEndpoint() + " (" + artifact() + ")");
    }
}
