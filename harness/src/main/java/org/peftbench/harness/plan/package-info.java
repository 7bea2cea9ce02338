/**
 * {@code peftbench plan}: {@link org.peftbench.harness.plan.SuitePlan} expands a suite into its
 * runs and, from {@code config.json} alone (no weights, no training), gives each run's trainable
 * parameters, forward FLOPs, steps and data sizes, so a grid can be checked before it is started.
 */
package org.peftbench.harness.plan;
