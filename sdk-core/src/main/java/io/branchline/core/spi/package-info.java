/**
 * How Branchline modules plug into a client built from settings: typed {@link io.branchline.core.spi.Setting}
 * declarations, the {@link io.branchline.core.spi.SettingSource} they are read from, and the
 * {@link io.branchline.core.spi.ClientExtension} service that {@code branchline-routing} and
 * {@code branchline-telemetry} provide.
 */
package io.branchline.core.spi;
