package io.branchline.core;

/** The Branchline version, written into the User-Agent and telemetry. */
final class Version {
    static final String VALUE = "0.1.0";

    private Version() {
    }
}
