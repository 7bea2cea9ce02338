package org.peftbench.harness.hub;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.function.Predicate;

/** Hub ids to local folders: models ({@code org/name[@rev]}) and datasets ({@code hf://...}). */
public final class HubRepos {
  /** The prefix that names a hub dataset where a data folder is expected. */
  public static final String DATASET_PREFIX = "hf://datasets/";

  private HubRepos() {}

  /**
   * The files a model needs: configs, tokenizers, chat templates and safetensors weights (also in
   * subfolders such as original/); never the pickled or other-framework weights repos often hold.
   */
  static final Predicate<String> MODEL_FILES =
      f -> {
        String n = f.toLowerCase(Locale.ROOT);
        return n.endsWith(".json")
            || n.endsWith(".safetensors")
            || n.endsWith(".model")
            || n.endsWith(".tiktoken")
            || n.endsWith(".jinja")
            || n.endsWith(".txt");
      };

  /** The snapshot folder of model {@code org/name[@revision]}, downloaded when missing. */
  public static Path model(String spec) {
    return model(spec, HubSettings.current(), System.err);
  }

  public static Path model(String spec, HubSettings settings, PrintStream log) {
    HubId id = HubId.parse(HubId.Type.MODEL, spec);
    return new HubDownloader(settings, log, System.console() != null).snapshot(id, MODEL_FILES);
  }

  /**
   * The snapshot folder of dataset {@code hf://datasets/org/name[@revision]}: the Parquet files of
   * the given task folders (a dataset repo keeps config {@code c}'s splits as {@code
   * c/<split>-0000k-of-0000n.parquet}, which is this project's {@code <task>/<split>} layout when
   * the config is named after the task).
   */
  public static Path dataset(
      String spec, Collection<String> tasks, HubSettings s, PrintStream log) {
    if (!spec.startsWith(DATASET_PREFIX)) {
      throw new HubException(
          "'" + spec + "' is not a hub dataset (" + DATASET_PREFIX + "org/name)");
    }
    HubId id = HubId.parse(HubId.Type.DATASET, spec.substring(DATASET_PREFIX.length()));
    Predicate<String> wanted =
        f ->
            f.endsWith(".parquet")
                && f.contains("/")
                && tasks.contains(f.substring(0, f.indexOf('/')));
    return new HubDownloader(s, log, System.console() != null).snapshot(id, wanted);
  }
}
