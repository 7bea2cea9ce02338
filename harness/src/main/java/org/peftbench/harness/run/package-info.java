/**
 * Running a benchmark cell: {@link org.peftbench.harness.run.SuiteRunner} walks a suite's runs
 * (skipping completed ones, recording failures), {@link org.peftbench.harness.run.RunExecutor} runs
 * one end to end (splits, training, evaluation, costs) on what {@code TrainingRun} (the one run
 * factory, also behind {@code peftbench train}) assembles: model, tokenizer, {@link
 * org.peftbench.harness.run.PromptStyle}, the adapted model. {@link
 * org.peftbench.harness.run.Trainer} loops optimizer steps ({@code TrainStep}) over {@link
 * org.peftbench.harness.run.RunModel} micro-batches with validation, best-adapter selection and
 * resumable checkpoints; {@link org.peftbench.harness.run.Evaluator} generates or ranks answers on
 * the test split and scores them. The two walk-throughs in {@code docs/architecture.md} follow this
 * package.
 */
package org.peftbench.harness.run;
