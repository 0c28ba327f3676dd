/**
 * The Branchline function client: build a {@link io.branchline.core.FunctionClient} (blocking) or
 * {@link io.branchline.core.FunctionAsyncClient} (Reactor) with {@link io.branchline.core.FunctionClientBuilder},
 * describe calls with {@link io.branchline.core.FunctionRequest}, and plug routing and telemetry in through the
 * {@link io.branchline.core.RegionRouter} and {@link io.branchline.core.CallListener} SPIs.
 */
package io.branchline.core;
