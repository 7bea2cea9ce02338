package org.peftbench.datasets;

/**
 * What a row is read for. The reference configures every task twice in {@code
 * data/dataset_info.json}: a training entry (the split it trains on and cuts its validation set
 * from) and an {@code _eval} / {@code _test} entry (the split it predicts on). A few tasks give the
 * two entries different instructions (WinoGrande's training entry has none at all).
 */
public enum SplitRole {
  /** The training split, and the validation set cut from it. */
  TRAIN,
  /** The split the benchmark evaluates on. */
  EVAL
}
