/**
 * Value and options types of the Branchline client: attempts and their outcomes, region status, and the
 * timeout, failover and TLS options a {@link io.branchline.core.FunctionClientBuilder} takes.
 */
package io.branchline.core.models;
