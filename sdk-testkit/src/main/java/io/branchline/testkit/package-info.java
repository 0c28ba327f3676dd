/**
 * Local stand-ins for the Azure services Branchline talks to, for tests, demos and benchmarks.
 *
 * <ul>
 *   <li>{@link io.branchline.testkit.RegionSimulator} runs one loopback HTTP server per simulated Azure region, each
 *       acting as a regional Azure Function app with controllable latency, tail latency and faults.</li>
 *   <li>{@link io.branchline.testkit.IngestionEndpoint} speaks the Application Insights {@code v2.1/track} protocol,
 *       validates every envelope against the published swagger and records what it accepted.</li>
 * </ul>
 *
 * <p>Nothing in this package is meant for production traffic: servers bind to {@code 127.0.0.1} only.
 */
package io.branchline.testkit;
