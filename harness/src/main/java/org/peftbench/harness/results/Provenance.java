package org.peftbench.harness.results;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** Where a result came from: code version, JVM, CPU, threads, and the exact data files. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class Provenance {
  public String gitCommit;
  public String peftbenchVersion;
  public String jvm;
  public String os;
  public String cpu;
  public int threads;
  public String backend;

  /** sha256 of every dataset file read, by path. */
  public Map<String, String> datasetFiles = new TreeMap<>();

  public String startedAt;
  public String finishedAt;

  /** The environment of this process. */
  public static Provenance current(int threads, String backend) {
    Provenance p = new Provenance();
    p.gitCommit = gitCommit(Path.of("").toAbsolutePath());
    p.peftbenchVersion = version();
    p.jvm =
        System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version", System.getProperty("java.version"));
    p.os =
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch");
    p.cpu = cpuModel() + " (" + Runtime.getRuntime().availableProcessors() + " logical cores)";
    p.threads = threads;
    p.backend = backend;
    return p;
  }

  /**
   * The commit checked out in the git repository at or above {@code dir}, read from {@code .git}
   * directly (HEAD, loose refs, packed-refs); null outside a repository.
   */
  public static String gitCommit(Path dir) {
    for (Path d = dir; d != null; d = d.getParent()) {
      Path git = d.resolve(".git");
      try {
        if (Files.isRegularFile(git)) { // worktree / submodule: "gitdir: <path>"
          String line = Files.readString(git).trim();
          if (line.startsWith("gitdir:")) {
            git = d.resolve(line.substring(7).trim());
          }
        }
        if (Files.isDirectory(git)) {
          return headCommit(git);
        }
      } catch (IOException e) {
        return null;
      }
    }
    return null;
  }

  private static String headCommit(Path git) throws IOException {
    String head = Files.readString(git.resolve("HEAD")).trim();
    if (!head.startsWith("ref:")) {
      return head; // detached HEAD
    }
    String ref = head.substring(4).trim();
    Path common = git;
    Path commonDir = git.resolve("commondir");
    if (Files.isRegularFile(commonDir)) {
      common = git.resolve(Files.readString(commonDir).trim()).normalize();
    }
    for (Path base : List.of(git, common)) {
      Path loose = base.resolve(ref);
      if (Files.isRegularFile(loose)) {
        return Files.readString(loose).trim();
      }
    }
    Path packed = common.resolve("packed-refs");
    if (Files.isRegularFile(packed)) {
      for (String line : Files.readAllLines(packed)) {
        if (line.endsWith(" " + ref)) {
          return line.substring(0, line.indexOf(' '));
        }
      }
    }
    return null;
  }

  static String version() {
    Properties p = new Properties();
    try (InputStream in =
        Provenance.class.getResourceAsStream("/org/peftbench/harness/version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    return p.getProperty("version", "unknown");
  }

  static String cpuModel() {
    Path info = Path.of("/proc/cpuinfo");
    if (Files.isReadable(info)) {
      try {
        for (String line : Files.readAllLines(info)) {
          if (line.startsWith("model name")) {
            return line.substring(line.indexOf(':') + 1).trim();
          }
        }
      } catch (IOException e) {
        // fall through
      }
    }
    return System.getProperty("os.arch");
  }

  /** Hex sha256 of a file's bytes. */
  public static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
