package org.peftbench.datasets;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.peftbench.datasets.io.Rows;

/**
 * A data directory laid out as {@code <dir>/<task>/<split>.<ext>} (ext: jsonl, json, parquet, csv,
 * tsv). A split may also be sharded the way the HF hub stores Parquet: {@code
 * <split>-00000-of-00002.parquet}, ...
 */
public final class DataDir {
  /** The default location, relative to the working directory. */
  public static final Path DEFAULT = Path.of("..", "shared", "datasets");

  private static final Pattern SHARD = Pattern.compile("(.+)-\\d{5}-of-\\d{5}\\.[a-z]+");

  private final Path root;

  public DataDir(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  public Path taskDir(String task) {
    return root.resolve(task);
  }

  /** The split name a data file holds: its name without the extension (and shard suffix). */
  static String splitOf(Path file) {
    String name = file.getFileName().toString();
    Matcher m = SHARD.matcher(name);
    if (m.matches()) {
      return m.group(1);
    }
    int dot = name.lastIndexOf('.');
    return dot < 0 ? name : name.substring(0, dot);
  }

  /** Every data file of a task, grouped by split name (sorted); empty when the folder is absent. */
  public Map<String, List<Path>> splits(String task) {
    Map<String, List<Path>> out = new TreeMap<>();
    Path dir = taskDir(task);
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        if (Files.isRegularFile(f) && Rows.isDataFile(f)) {
          out.computeIfAbsent(splitOf(f), k -> new ArrayList<>()).add(f);
        }
      }
    } catch (IOException e) {
      throw new DatasetException(dir + ": cannot list: " + e.getMessage(), e);
    }
    for (List<Path> shards : out.values()) {
      shards.sort(null);
    }
    return out;
  }

  /**
   * The files of one split. A split stored in two formats at once is ambiguous and refused.
   *
   * @throws DatasetException saying what was found and what is needed when the split is absent
   */
  public List<Path> require(Task task, String split) {
    Map<String, List<Path>> found = splits(task.name());
    List<Path> files = found.get(split);
    if (files == null) {
      throw new DatasetException(missingMessage(task, split, found));
    }
    long formats =
        files.stream()
            .map(f -> f.getFileName().toString().replaceAll(".*\\.", ""))
            .distinct()
            .count();
    if (formats > 1) {
      throw new DatasetException(
          taskDir(task.name())
              + ": split '"
              + split
              + "' is stored in several formats "
              + names(files)
              + "; keep one");
    }
    return files;
  }

  private String missingMessage(Task task, String split, Map<String, List<Path>> found) {
    Path dir = taskDir(task.name());
    StringBuilder sb = new StringBuilder();
    sb.append(task.name()).append(": split '").append(split).append("' not found");
    if (!Files.isDirectory(dir)) {
      sb.append(" (no folder ").append(dir).append(")");
    } else if (found.isEmpty()) {
      sb.append(" (").append(dir).append(" holds no data files)");
    } else {
      List<String> have = new ArrayList<>();
      for (Map.Entry<String, List<Path>> e : found.entrySet()) {
        have.add(names(e.getValue()));
      }
      sb.append(" (").append(dir).append(" holds: ").append(String.join(", ", have)).append(")");
    }
    sb.append("; needed: ")
        .append(dir.resolve(split))
        .append(".{jsonl,json,parquet,csv,tsv} in the ")
        .append(task.hfDataset())
        .append(" schema (PEFT-Bench uses '")
        .append(task.trainSplit())
        .append("' for train/validation and '")
        .append(task.testSplit())
        .append("' as the test set)");
    return sb.toString();
  }

  private static String names(List<Path> files) {
    try (Stream<Path> s = files.stream()) {
      return String.join("+", s.map(f -> f.getFileName().toString()).toList());
    }
  }

  /** Records per split name, counted cheaply (see {@link Rows#count}). */
  public Map<String, Long> counts(String task) {
    Map<String, Long> out = new TreeMap<>();
    for (Map.Entry<String, List<Path>> e : splits(task).entrySet()) {
      long n = 0;
      for (Path f : e.getValue()) {
        n += Rows.count(f);
      }
      out.put(e.getKey(), n);
    }
    return out;
  }
}
