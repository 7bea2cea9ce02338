/**
 * numpy's random numbers in Java, so data splits equal the reference harness's row for row: {@link
 * org.peftbench.datasets.random.SeedSequence} (numpy's seed hashing), {@link
 * org.peftbench.datasets.random.Pcg64} (the bit generator), {@link
 * org.peftbench.datasets.random.NumpyGenerator} ({@code default_rng(seed).permutation}) and {@link
 * org.peftbench.datasets.random.TrainTestSplit} (HF datasets' {@code train_test_split}). Checked
 * against numpy's outputs.
 */
package org.peftbench.datasets.random;
