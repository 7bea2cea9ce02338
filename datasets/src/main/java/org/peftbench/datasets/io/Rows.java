package org.peftbench.datasets.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.peftbench.datasets.DatasetException;

/** Opens a data file by its extension: JSONL, JSON, CSV, TSV or Parquet. */
public final class Rows {
  /** The extensions we read, in the order a split's file is looked for. */
  public static final List<String> EXTENSIONS = List.of("jsonl", "json", "parquet", "csv", "tsv");

  private Rows() {}

  public static boolean isDataFile(Path file) {
    return EXTENSIONS.contains(extension(file));
  }

  static String extension(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  /** Streams the records of {@code file}; close the stream when done. */
  public static RowStream open(Path file) {
    return switch (extension(file)) {
      case "jsonl" -> new JsonlRows(file);
      case "json" -> new JsonRows(file);
      case "csv", "tsv" -> new CsvRows(file);
      case "parquet" -> new ParquetRows(file);
      default ->
          throw new DatasetException(
              file + ": unsupported data file type (expected one of " + EXTENSIONS + ")");
    };
  }

  /**
   * The number of records in {@code file}. JSONL lines are counted without parsing and Parquet rows
   * come from the footer, so this is cheap even for big splits.
   */
  public static long count(Path file) {
    try {
      return switch (extension(file)) {
        case "jsonl" -> JsonlRows.count(file);
        case "parquet" -> ParquetRows.count(file);
        default -> {
          long n = 0;
          try (RowStream rows = open(file)) {
            while (rows.hasNext()) {
              rows.next();
              n++;
            }
          }
          yield n;
        }
      };
    } catch (IOException e) {
      throw new DatasetException(file + ": cannot read: " + e.getMessage(), e);
    }
  }
}
