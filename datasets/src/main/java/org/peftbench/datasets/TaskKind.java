package org.peftbench.datasets;

/** What a task's target is, which decides how it is prompted and scored. */
public enum TaskKind {
  /** Pick a class name (entailment / not_entailment, negative / positive, ...). */
  CLASSIFICATION,
  /** Pick an option label (A-D, choice1 / choice2, ...); the options are in the prompt. */
  MULTIPLE_CHOICE,
  /** Produce a number (STS-B similarity). */
  REGRESSION,
  /** Produce a span from the passage (ReCoRD). */
  READING_COMPREHENSION,
  /** Produce a worked answer or an equation. */
  MATH,
  /** Produce Python code. */
  CODE
}
