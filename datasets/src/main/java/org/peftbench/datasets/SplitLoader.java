package org.peftbench.datasets;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.peftbench.datasets.io.Row;
import org.peftbench.datasets.io.RowStream;
import org.peftbench.datasets.io.Rows;
import org.peftbench.datasets.random.NumpyGenerator;
import org.peftbench.datasets.random.TrainTestSplit;

/**
 * Loads a task's splits from a {@link DataDir}: the seeded train/validation cut of the training
 * split, the test split, optional seeded caps, and prompts wrapped by a {@link PromptFormatter}.
 *
 * <p>The cut is PEFT-Factory's: HF datasets' {@code train_test_split(test_size=val_size, seed=run
 * seed)} ({@link TrainTestSplit}, numpy's generator re-implemented exactly), so the same seed
 * selects the same rows as the reference. Caps keep the first rows of each part in that
 * permutation's order. Splitting works on row numbers, so only the selected rows become examples: a
 * count pass, the permutation, then one streaming pass. Each split comes back in file order.
 */
public final class SplitLoader {
  private static final byte NONE = 0;
  private static final byte TRAIN = 1;
  private static final byte VALIDATION = 2;
  private static final byte TEST = 3;

  /** Xor-ed into the seed (keeping it non-negative) for the sample of a capped test split. */
  private static final long TEST_SAMPLE_STREAM = 0x5DEECE66DL;

  private final DataDir dataDir;
  private final SplitOptions options;
  private final PromptFormatter formatter;
  private final Protocol protocol;

  /**
   * Examples built under {@code protocol}: train and validation rows as {@link SplitRole#TRAIN},
   * test rows as {@link SplitRole#EVAL}. The cut works on records; where the protocol expands one
   * record into several examples (ReCoRD, APPS under {@link Protocol#PEFT_FACTORY}) all of them
   * land in the record's part.
   */
  public SplitLoader(
      DataDir dataDir, SplitOptions options, PromptFormatter formatter, Protocol protocol) {
    this.dataDir = dataDir;
    this.options = options;
    this.formatter = formatter;
    this.protocol = protocol;
  }

  /** Under the {@link Protocol#CORRECTED} protocol. */
  public SplitLoader(DataDir dataDir, SplitOptions options, PromptFormatter formatter) {
    this(dataDir, options, formatter, Protocol.CORRECTED);
  }

  public SplitLoader(DataDir dataDir) {
    this(dataDir, SplitOptions.defaults(), PromptFormatter.PLAIN);
  }

  /** Train, validation and test; fails (saying what is missing) unless both splits exist. */
  public BenchmarkSplits load(Task task) {
    List<Path> trainFiles = dataDir.require(task, task.trainSplit());
    List<Path> testFiles = dataDir.require(task, task.testSplit());
    List<List<Example>> tv = trainAndValidation(task, trainFiles);
    return new BenchmarkSplits(task, tv.get(0), tv.get(1), test(task, testFiles));
  }

  /** Only the test set (for evaluating without training). */
  public List<Example> loadTest(Task task) {
    return test(task, dataDir.require(task, task.testSplit()));
  }

  /** Only train and validation: element 0 is train, 1 is validation. */
  public List<List<Example>> loadTrainAndValidation(Task task) {
    return trainAndValidation(task, dataDir.require(task, task.trainSplit()));
  }

  private List<List<Example>> trainAndValidation(Task task, List<Path> files) {
    int n = count(files);
    TrainTestSplit cut;
    try {
      cut = TrainTestSplit.of(n, options.validationFraction(), options.seed());
    } catch (IllegalArgumentException e) {
      throw new DatasetException(files.get(0) + ": " + e.getMessage());
    }
    byte[] role = new byte[n];
    int[] validation = cut.test();
    int validationTaken = cap(validation.length, options.validationCap());
    for (int k = 0; k < validationTaken; k++) {
      role[validation[k]] = VALIDATION;
    }
    int[] train = cut.train();
    int trainTaken = cap(train.length, options.trainCap());
    for (int k = 0; k < trainTaken; k++) {
      role[train[k]] = TRAIN;
    }
    List<Example> trainExamples = new ArrayList<>();
    List<Example> validationExamples = new ArrayList<>();
    read(task, files, role, trainExamples, validationExamples);
    return List.of(trainExamples, validationExamples);
  }

  private static int cap(int available, int cap) {
    return cap == 0 ? available : Math.min(cap, available);
  }

  private List<Example> test(Task task, List<Path> files) {
    int n = count(files);
    byte[] role = new byte[n];
    if (options.testCap() == 0 || options.testCap() >= n) {
      java.util.Arrays.fill(role, TEST);
    } else {
      // A different stream than the train/validation cut, so capping the test set is independent.
      int[] order = NumpyGenerator.defaultRng(options.seed() ^ TEST_SAMPLE_STREAM).permutation(n);
      for (int k = 0; k < options.testCap(); k++) {
        role[order[k]] = TEST;
      }
    }
    List<Example> test = new ArrayList<>();
    read(task, files, role, test, null);
    return test;
  }

  /**
   * Streams the rows; those with a role become examples in {@code first} (train/test) or {@code
   * second}.
   */
  private void read(
      Task task, List<Path> files, byte[] role, List<Example> first, List<Example> second) {
    int global = 0;
    for (Path file : files) {
      try (RowStream rows = Rows.open(file)) {
        while (rows.hasNext()) {
          Row row = rows.next();
          if (global >= role.length) {
            throw new DatasetException(
                file + ": changed while being read (more rows than counted)");
          }
          byte r = role[global++];
          if (r == NONE) {
            continue;
          }
          // No example for a record without a reference answer: see the task's documentation.
          SplitRole splitRole = r == TEST ? SplitRole.EVAL : SplitRole.TRAIN;
          for (Example e : task.examples(row, protocol, splitRole)) {
            (r == VALIDATION ? second : first).add(e.formatted(formatter));
          }
        }
      }
    }
  }

  private static int count(List<Path> files) {
    long n = 0;
    for (Path f : files) {
      n += Rows.count(f);
    }
    if (n == 0) {
      throw new DatasetException(
          String.join(", ", files.stream().map(Path::toString).toList())
              + ": empty file (no records)");
    }
    if (n > Integer.MAX_VALUE) {
      throw new DatasetException(files.get(0) + ": too many rows (" + n + ")");
    }
    return (int) n;
  }
}
