/**
 * The tasks' scorers, each matching the reference library it replaces: {@link
 * org.peftbench.datasets.metrics.ClassificationMetrics} (accuracy, F1, Matthews as sklearn), {@link
 * org.peftbench.datasets.metrics.Correlation} (Pearson, Spearman as scipy), {@link
 * org.peftbench.datasets.metrics.SquadMetrics} (exact match, token F1), {@link
 * org.peftbench.datasets.metrics.MathMetrics} and {@link org.peftbench.datasets.metrics.Arithmetic}
 * (numeric answers), {@link org.peftbench.datasets.metrics.Bleu} and {@link
 * org.peftbench.datasets.metrics.CodeMetrics} (code tasks); {@link
 * org.peftbench.datasets.metrics.Normalize} is PEFT-Factory's answer normalization.
 */
package org.peftbench.datasets.metrics;
