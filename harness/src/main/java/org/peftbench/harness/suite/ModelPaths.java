package org.peftbench.harness.suite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.peftbench.harness.hub.HubId;
import org.peftbench.harness.hub.HubRepos;
import org.peftbench.harness.hub.HubSettings;

/**
 * Resolves the model and data folders a suite names.
 *
 * <p>An absolute path is used as is. A relative path is tried, in order, against: the working
 * directory; the folder of the suite file (for suites read from a file); and the repository root
 * (the folder holding the {@code peftbench} launcher, found by walking up from the working
 * directory). A path starting with {@code ../shared/} additionally resolves against the system
 * property {@code peftbench.shared} or the environment variable {@code PEFTBENCH_SHARED} when set,
 * so suites that say {@code ../shared/models/stories260K} work from any checkout location.
 *
 * <p>A model that is no local folder but has the shape of a hub id ({@code org/name} or {@code
 * org/name@revision}) resolves in the Hugging Face hub cache, downloading what is missing (see
 * {@link HubRepos}); a data folder may likewise be a hub dataset, {@code hf://datasets/org/name}.
 */
public final class ModelPaths {
  private ModelPaths() {}

  /** A model folder: a local path (see above), else a hub id resolved in the hub cache. */
  public static Path resolveModel(String model, Path suiteDir) {
    List<Path> tried = candidates(model, suiteDir);
    for (Path p : tried) {
      if (Files.exists(p)) {
        return p.toAbsolutePath().normalize();
      }
    }
    if (HubId.looksLike(model)) {
      return HubRepos.model(model);
    }
    throw new IllegalArgumentException(
        "model '"
            + model
            + "' not found; tried "
            + tried.stream().map(Path::toString).toList()
            + " (a hub model is named org/name or org/name@revision)");
  }

  /** A data folder: a local path, or a hub dataset {@code hf://datasets/org/name[@rev]}. */
  public static Path resolveData(String dir, Path suiteDir, java.util.Collection<String> tasks) {
    if (dir.startsWith(HubRepos.DATASET_PREFIX)) {
      return HubRepos.dataset(dir, tasks, HubSettings.current(), System.err);
    }
    return resolve(dir, suiteDir);
  }

  public static Path resolve(String path, Path suiteDir) {
    List<Path> tried = candidates(path, suiteDir);
    for (Path p : tried) {
      if (Files.exists(p)) {
        return p.toAbsolutePath().normalize();
      }
    }
    throw new IllegalArgumentException(
        "'" + path + "' not found; tried " + tried.stream().map(Path::toString).toList());
  }

  static List<Path> candidates(String path, Path suiteDir) {
    Path p = Path.of(path);
    List<Path> out = new ArrayList<>();
    if (p.isAbsolute()) {
      out.add(p);
      return out;
    }
    Path cwd = Path.of("").toAbsolutePath();
    out.add(cwd.resolve(p));
    if (suiteDir != null) {
      out.add(suiteDir.resolve(p));
    }
    Path root = repoRoot(cwd);
    if (root != null && !root.equals(cwd)) {
      out.add(root.resolve(p));
    }
    String prefix = "../shared/";
    if (path.startsWith(prefix)) {
      String shared = System.getProperty("peftbench.shared", System.getenv("PEFTBENCH_SHARED"));
      if (shared != null && !shared.isBlank()) {
        out.add(Path.of(shared).resolve(path.substring(prefix.length())));
      }
    }
    return out;
  }

  /** The nearest folder at or above {@code from} holding the launcher and the parent pom. */
  static Path repoRoot(Path from) {
    for (Path d = from; d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("peftbench"))
          && Files.isRegularFile(d.resolve("pom.xml"))) {
        return d;
      }
    }
    return null;
  }
}
