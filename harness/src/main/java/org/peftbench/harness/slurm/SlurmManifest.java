package org.peftbench.harness.slurm;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.peftbench.harness.results.ResultStore;

/**
 * The index of a suite submitted as a Slurm job array, kept in {@code DIR/slurm/manifest.json}.
 *
 * <p>Array task {@code I} runs {@code runs[I]}. Models and the data folder are stored resolved
 * (absolute paths), so an array task on any node of a shared file system runs exactly what the
 * submitter checked. Every submission (the first and each {@code --retry-failed}) is appended to
 * {@code jobs}, so {@code slurm status} can ask Slurm about all of them. Only the submitting
 * process writes this file, atomically; array tasks only read it.
 */
public final class SlurmManifest {
  public static final String SCHEMA = "peftbench-slurm-manifest/1";

  /** One run of the array. */
  public static final class Run {
    public int index;

    @JsonProperty("run_id")
    public String runId;

    @JsonProperty("config_hash")
    public String configHash;

    public Run() {}

    public Run(int index, String runId, String configHash) {
      this.index = index;
      this.runId = runId;
      this.configHash = configHash;
    }
  }

  /** One {@code sbatch} submission: the array job id and the indices it covers. */
  public static final class Job {
    @JsonProperty("job_id")
    public String jobId;

    public List<Integer> indices = new ArrayList<>();

    @JsonProperty("submitted_at")
    public String submittedAt;

    public Job() {}

    public Job(String jobId, List<Integer> indices, String submittedAt) {
      this.jobId = jobId;
      this.indices = new ArrayList<>(indices);
      this.submittedAt = submittedAt;
    }
  }

  public String schema = SCHEMA;
  public String suite;

  /** The folder of the suite file (relative paths in it resolve there), or null. */
  @JsonProperty("suite_dir")
  public String suiteDir;

  @JsonProperty("data_dir")
  public String dataDir;

  /** Suite model name (a path or hub id) to its resolved model folder. */
  public Map<String, String> models = new LinkedHashMap<>();

  /** sbatch's %K limit on array tasks running at once (null: no limit); retries keep it. */
  @JsonProperty("array_parallelism")
  public Integer arrayParallelism;

  public List<Run> runs = new ArrayList<>();
  public List<Job> jobs = new ArrayList<>();

  public static Path file(Path resultsDir) {
    return resultsDir.resolve("slurm").resolve("manifest.json");
  }

  public static SlurmManifest read(Path resultsDir) {
    Path f = file(resultsDir);
    if (!Files.isRegularFile(f)) {
      throw new IllegalArgumentException(
          resultsDir
              + " holds no Slurm submission (no slurm/manifest.json); submit with"
              + " 'peftbench run --suite S --out "
              + resultsDir
              + " --slurm'");
    }
    SlurmManifest m;
    try {
      m = ResultStore.JSON.readValue(f.toFile(), SlurmManifest.class);
    } catch (IOException e) {
      throw new IllegalArgumentException(f + ": unreadable: " + e.getMessage(), e);
    }
    if (m == null || !SCHEMA.equals(m.schema)) {
      throw new IllegalArgumentException(
          f + ": not a peftbench Slurm manifest (schema " + (m == null ? null : m.schema) + ")");
    }
    return m;
  }

  public void write(Path resultsDir) {
    try {
      ResultStore.writeAtomically(
          file(resultsDir), ResultStore.JSON.writeValueAsString(this) + "\n");
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + file(resultsDir) + ": " + e, e);
    }
  }

  /** The run at array index {@code index}; IllegalArgumentException when there is none. */
  public Run run(int index) {
    if (index < 0 || index >= runs.size() || runs.get(index).index != index) {
      throw new IllegalArgumentException(
          "array index " + index + " is not in the manifest (0.." + (runs.size() - 1) + ")");
    }
    return runs.get(index);
  }

  /** True when both list the same runs (ids and configs) in the same order. */
  boolean sameRuns(List<Run> other) {
    if (other.size() != runs.size()) {
      return false;
    }
    for (int i = 0; i < runs.size(); i++) {
      if (!runs.get(i).runId.equals(other.get(i).runId)
          || !runs.get(i).configHash.equals(other.get(i).configHash)) {
        return false;
      }
    }
    return true;
  }
}
