/**
 * The 27 PEFT-Bench tasks as data: no dependency on the model side.
 *
 * <p>{@link org.peftbench.datasets.TaskRegistry} lists the {@link org.peftbench.datasets.Task}s; a
 * task knows its HF dataset and splits, turns a row into an {@link org.peftbench.datasets.Example}
 * (prompt, target, choices, gold) and scores predictions with its metrics. {@link
 * org.peftbench.datasets.SplitLoader} reads a {@link org.peftbench.datasets.DataDir} into {@link
 * org.peftbench.datasets.BenchmarkSplits} (train, validation cut as HF's {@code train_test_split},
 * test), seeded and capped by {@link org.peftbench.datasets.SplitOptions} under a {@link
 * org.peftbench.datasets.Protocol} ({@code peft-factory} builds the reference's messages and
 * targets); a {@link org.peftbench.datasets.PromptFormatter} (the chat template, supplied by the
 * harness) wraps prompts, and {@link org.peftbench.datasets.ReferenceTemplate} holds the reference
 * harness's own chat templates. Missing data is a {@link org.peftbench.datasets.DatasetException}
 * naming what is there and what is needed.
 */
package org.peftbench.datasets;
