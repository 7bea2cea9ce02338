/**
 * Dataset files as a stream of rows: {@link org.peftbench.datasets.io.Rows#open} picks the reader
 * by extension (JSONL, JSON, CSV, TSV, Parquet) and yields {@link org.peftbench.datasets.io.Row}s
 * (a JSON object plus "file:line" for error messages); {@code Rows.count} counts without parsing.
 * Text must be UTF-8: anything else is refused naming the file, the line and the byte offset.
 */
package org.peftbench.datasets.io;
