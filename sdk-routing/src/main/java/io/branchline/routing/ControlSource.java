package io.branchline.routing;

import reactor.core.publisher.Mono;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where an operator's run-time control comes from: drains ({@code exclude}), pins, weights, concurrency limits, the
 * hedging switch, the attempt limit, the probe interval and canary releases, changed while every branch runs,
 * without a redeploy. The router polls each source it was given ({@link NearestRegionRouterBuilder#control}) and
 * applies what it reads to the next route plan; calls in flight keep theirs. Two sources come with Branchline: a
 * watched local file that configuration management writes ({@link #file(Path)}) and Azure App Configuration
 * ({@link AppConfigurationControl}).
 *
 * <p>The SPI lives in {@code branchline-routing}, beside the plan compiler, because everything a control changes is
 * what that compiler turns into plans; core only sees the plans and the {@code controlChanged} event.
 *
 * <p>A source is used by one router. {@link #poll()} is called on the client's scheduler thread: it must not block
 * (return a {@code Mono} that does its I/O asynchronously, or read only a small local file).
 */
public interface ControlSource extends AutoCloseable {
    /** How often a control file is looked at: {@value} ms, so that a change applies within a second. */
    long FILE_POLL_MILLIS = 250;

    /**
     * A local file of control settings, in properties or JSON form, that configuration management (Ansible,
     * Puppet, Intune) writes. It is read every {@value #FILE_POLL_MILLIS} ms; a new content applies once two reads in
     * a row agree (so a half-written file is never applied), within a second. A malformed file is ignored with a
     * warning and the last good control stays; a missing file means no control.
     *
     * <pre>{@code
     * # /etc/branchline/control.properties
     * exclude=westeurope
     * hedge-reads=false
     * canary=10
     * }</pre>
     *
     * @param file the file; JSON when its name ends with {@code .json}
     * @return the source
     */
    static ControlSource file(Path file) {
        return new FileControlSource(Objects.requireNonNull(file, "file"));
    }

    /**
     * Where the control comes from, for logs, events and telemetry, such as
     * {@code file /etc/branchline/control.properties}; never holds a secret.
     *
     * @return the description
     */
    String description();

    /** @return how often {@link #poll()} is called */
    Duration pollInterval();

    /**
     * Looks at the source once.
     *
     * @return a {@code Mono} emitting every control setting (name to value, names without any prefix) when the
     *     content changed since the last poll, completing empty when it did not, and failing when the source is
     *     unreachable or its content malformed (the last good control then stays in force)
     */
    Mono<Map<String, String>> poll();

    /** Stops the source; the router calls it when it closes. */
    @Override
    default void close() {
    }
}
