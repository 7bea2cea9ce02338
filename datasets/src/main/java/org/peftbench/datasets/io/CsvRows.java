package org.peftbench.datasets.io;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.peftbench.datasets.DatasetException;

/**
 * CSV ({@code .csv}, RFC 4180 quoting) or TSV ({@code .tsv}, no quoting, as GLUE's files are read)
 * with a header row naming the HF columns. Values arrive as strings; the tasks convert numbers.
 */
final class CsvRows implements RowStream {
  private final Path file;
  private final CSVParser parser;
  private final Iterator<CSVRecord> records;
  private final List<String> header;
  private long index;

  CsvRows(Path file) {
    this.file = file;
    try {
      Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
      this.parser = CSVParser.builder().setReader(reader).setFormat(format(file)).get();
      this.header = parser.getHeaderNames();
      if (header.isEmpty()) {
        throw new DatasetException(file + ": empty file (no header row)");
      }
      this.records = parser.iterator();
    } catch (IOException | UncheckedIOException e) {
      if (Utf8.isDecodingError(e)) {
        throw Utf8.notUtf8(file, e);
      }
      throw new DatasetException(file + ": cannot read CSV: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      // Commons CSV refuses a header with an empty or duplicate column name this way (found by
      // RowsFuzzTest)
      throw new DatasetException(file + ": bad CSV header: " + e.getMessage(), e);
    }
  }

  static CSVFormat format(Path file) {
    boolean tsv = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".tsv");
    CSVFormat base = tsv ? CSVFormat.TDF.builder().setQuote(null).get() : CSVFormat.RFC4180;
    return base.builder()
        .setHeader()
        .setSkipHeaderRecord(true)
        .setIgnoreEmptyLines(true)
        .setTrim(false)
        .get();
  }

  @Override
  public boolean hasNext() {
    try {
      return records.hasNext();
    } catch (UncheckedIOException e) {
      if (Utf8.isDecodingError(e)) {
        throw Utf8.notUtf8(file, e);
      }
      throw new DatasetException(
          file + " row " + (index + 1) + ": malformed CSV: " + e.getMessage(), e);
    }
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    CSVRecord record = records.next();
    String where = file + ":" + record.getParser().getCurrentLineNumber();
    if (record.size() != header.size()) {
      throw new DatasetException(
          where
              + ": expected "
              + header.size()
              + " columns "
              + header
              + ", found "
              + record.size());
    }
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    for (int i = 0; i < header.size(); i++) {
      String name = header.get(i);
      if (i == 0 && name.startsWith("\uFEFF")) {
        name = name.substring(1);
      }
      node.put(name, record.get(i));
    }
    return new Row(node, index++, where);
  }

  @Override
  public void close() {
    try {
      parser.close();
    } catch (IOException ignored) {
      // Reading is done; a failing close of a read-only file changes nothing.
    }
  }
}
