package org.peftbench.harness.results;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Exclusive use of a results folder by one suite run.
 *
 * <p>Two guarantees: (1) <em>one writer</em>: {@link #open} takes an OS file lock on {@code
 * DIR/.lock} (released when the process ends, even by kill -9), and a second run into the same
 * folder stops at once with one line naming the holder; (2) <em>one suite</em>: the folder records
 * the name of the suite that owns it in {@code DIR/.suite}, and a suite of another name is refused
 * unless the caller takes the folder over explicitly ({@code run --force}), so two suites' results
 * never mix in one report silently.
 */
public final class ResultsFolder implements AutoCloseable {
  static final String LOCK_FILE = ".lock";
  static final String OWNER_FILE = ".suite";

  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;

  private ResultsFolder(Path dir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Locks {@code dir} (created if needed) for this process, then checks it belongs to {@code
   * suiteName} (or claims it when it belongs to none); IllegalStateException with one line if the
   * folder is in use, IllegalArgumentException if it belongs to another suite and {@code takeOver}
   * is false.
   */
  public static ResultsFolder open(Path dir, String suiteName, boolean takeOver) {
    ResultsFolder f = lock(dir);
    try {
      f.claim(suiteName, takeOver);
      return f;
    } catch (RuntimeException e) {
      f.close();
      throw e;
    }
  }

  /** Takes the folder's lock or throws naming the run that holds it. */
  static ResultsFolder lock(Path dir) {
    Path lockFile = dir.resolve(LOCK_FILE);
    FileChannel ch = null;
    try {
      Files.createDirectories(dir);
      ch =
          FileChannel.open(
              lockFile,
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null; // this very process holds it (another runner in the same JVM)
      }
      if (l == null) {
        String holder = readHolder(ch);
        ch.close();
        throw new IllegalStateException(
            "results folder "
                + dir
                + " is in use by another peftbench run ("
                + (holder.isBlank() ? "holder unknown" : holder)
                + "); wait for it to finish or use another --out");
      }
      // who holds it, for the message of a second run
      ch.truncate(0);
      ch.write(
          ByteBuffer.wrap(
              ("pid " + ProcessHandle.current().pid() + " on " + host() + " since " + Instant.now())
                  .getBytes(StandardCharsets.UTF_8)),
          0);
      ch.force(false);
      return new ResultsFolder(dir, ch, l);
    } catch (IOException e) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // the error below is what matters
        }
      }
      throw new IllegalStateException("cannot lock results folder " + dir + ": " + e, e);
    }
  }

  private static String readHolder(FileChannel ch) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(256);
    int n = ch.read(b, 0);
    return n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.UTF_8).trim();
  }

  private static String host() {
    String name = ManagementFactory.getRuntimeMXBean().getName(); // "pid@host"
    int at = name.indexOf('@');
    return at >= 0 ? name.substring(at + 1) : "this host";
  }

  /** The suite that owns the folder, or null when none has run here. */
  public String owner() {
    Path f = dir.resolve(OWNER_FILE);
    try {
      if (Files.isRegularFile(f)) {
        String name = Files.readString(f, StandardCharsets.UTF_8).strip();
        return name.isEmpty() ? null : name;
      }
      // folders written before the owner file: the suite.yaml of the last run names the suite
      Path yaml = dir.resolve("suite.yaml");
      if (Files.isRegularFile(yaml)) {
        Matcher m =
            Pattern.compile("(?m)^name:\\s*['\"]?([^'\"\\n]+?)['\"]?\\s*$")
                .matcher(Files.readString(yaml, StandardCharsets.UTF_8));
        return m.find() ? m.group(1) : null;
      }
      return null;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  private void claim(String suiteName, boolean takeOver) {
    String owner = owner();
    if (owner != null && !owner.equals(suiteName) && !takeOver) {
      throw new IllegalArgumentException(
          "results folder "
              + dir
              + " holds the results of suite '"
              + owner
              + "', not '"
              + suiteName
              + "': use another --out, or --force to run into it anyway (the report then shows"
              + " both suites' runs)");
    }
    if (!suiteName.equals(owner)) {
      try {
        ResultStore.writeAtomically(dir.resolve(OWNER_FILE), suiteName + "\n");
      } catch (IOException e) {
        throw new IllegalStateException("cannot write into " + dir + ": " + e, e);
      }
    }
  }

  public Path dir() {
    return dir;
  }

  /** Releases the lock (the lock file stays: deleting it would race with a waiting run). */
  @Override
  public void close() {
    try {
      if (lock != null && lock.isValid()) {
        lock.release();
      }
      channel.close();
    } catch (IOException e) {
      // closing the channel releases the lock in any case
    }
  }
}
