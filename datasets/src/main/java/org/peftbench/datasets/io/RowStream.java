package org.peftbench.datasets.io;

import java.io.Closeable;
import java.util.Iterator;

/** Records of one file, read lazily: big splits are streamed, never held whole by the reader. */
public interface RowStream extends Iterator<Row>, Closeable {
  @Override
  void close();
}
