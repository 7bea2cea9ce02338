package org.peftbench.datasets;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.peftbench.datasets.io.Row;
import org.peftbench.datasets.io.RowStream;
import org.peftbench.datasets.io.Rows;

/**
 * Loads a task's splits from a {@link DataDir}: the seeded 90/10 cut of the training split, the
 * test split, optional seeded caps, and prompts wrapped by a {@link PromptFormatter}.
 *
 * <p>Splitting works on row numbers, so only the selected rows become examples: a count pass, a
 * seeded permutation, then one streaming pass. The same seed gives the same examples on every
 * machine ({@link Random} is specified exactly). Each split comes back in file order.
 */
public final class SplitLoader {
  private static final byte NONE = 0;
  private static final byte TRAIN = 1;
  private static final byte VALIDATION = 2;
  private static final byte TEST = 3;

  private final DataDir dataDir;
  private final SplitOptions options;
  private final PromptFormatter formatter;

  public SplitLoader(DataDir dataDir, SplitOptions options, PromptFormatter formatter) {
    this.dataDir = dataDir;
    this.options = options;
    this.formatter = formatter;
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
    int[] order = permutation(n, options.seed());
    int validationCount = (int) Math.ceil(n * SplitOptions.VALIDATION_FRACTION);
    byte[] role = new byte[n];
    int trainTaken = 0;
    int validationTaken = 0;
    for (int k = 0; k < n; k++) {
      if (k < validationCount) {
        if (options.validationCap() == 0 || validationTaken < options.validationCap()) {
          role[order[k]] = VALIDATION;
          validationTaken++;
        }
      } else if (options.trainCap() == 0 || trainTaken < options.trainCap()) {
        role[order[k]] = TRAIN;
        trainTaken++;
      }
    }
    List<Example> train = new ArrayList<>();
    List<Example> validation = new ArrayList<>();
    read(task, files, role, train, validation);
    return List.of(train, validation);
  }

  private List<Example> test(Task task, List<Path> files) {
    int n = count(files);
    byte[] role = new byte[n];
    if (options.testCap() == 0 || options.testCap() >= n) {
      java.util.Arrays.fill(role, TEST);
    } else {
      // A different stream than the train/validation cut, so capping the test set is independent.
      int[] order = permutation(n, options.seed() ^ 0x5DEECE66DL);
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
          Example e = task.toExample(row);
          if (e == null) {
            continue; // no reference answer: see the task's documentation
          }
          e = e.formatted(formatter);
          if (r == VALIDATION) {
            second.add(e);
          } else {
            first.add(e);
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

  /** A seeded Fisher-Yates shuffle of 0..n-1. */
  static int[] permutation(int n, long seed) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random random = new Random(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
