/**
 * One class per PEFT-Bench task (GLUE, SuperGLUE, QA, math, code, ...), most built on a shared base
 * per task kind (e.g. {@code ClassificationTask}): each says which HF dataset and splits it reads,
 * how a row becomes a prompt and a target as PEFT-Factory builds them, its label words and its
 * metrics. Registered in {@code TaskRegistry}.
 */
package org.peftbench.datasets.tasks;
