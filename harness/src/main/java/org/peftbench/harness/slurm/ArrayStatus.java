package org.peftbench.harness.slurm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.peftbench.harness.results.ResultStore;
import org.peftbench.harness.results.RunResult;

/**
 * Where each run of a submitted array stands, from two sources: the results folder (a final result
 * file means done, a FAILED one failed) and Slurm (a task still in the queue is pending or
 * running). A task that left the queue without writing a final result was cancelled, timed out, ran
 * out of memory or crashed: it counts as failed, with the end state Slurm reports.
 */
public final class ArrayStatus {
  /** A run's state. */
  public enum State {
    DONE,
    RUNNING,
    PENDING,
    FAILED,
    NOT_SUBMITTED
  }

  /** One run: its array index, id, state and a short detail (score, Slurm state, error). */
  public record Entry(int index, String runId, State state, String detail) {}

  private static final Set<String> RUNNING_STATES =
      Set.of("RUNNING", "COMPLETING", "SUSPENDED", "STAGE_OUT", "SIGNALING", "RESIZING");

  private ArrayStatus() {}

  public static List<Entry> of(Path dir, SlurmManifest m, SlurmClient slurm) {
    ResultStore store = new ResultStore(dir);
    List<String> jobIds = m.jobs.stream().map(j -> j.jobId).toList();
    // a retried index is described by its latest job (jobs are in submission order)
    Map<Integer, SlurmClient.TaskState> queued = new HashMap<>();
    Map<Integer, String> latestJob = new HashMap<>();
    for (SlurmManifest.Job j : m.jobs) {
      for (int i : j.indices) {
        latestJob.put(i, j.jobId);
      }
    }
    queued.putAll(slurm.queued(jobIds));
    Map<String, Map<Integer, SlurmClient.TaskState>> ended = new HashMap<>();

    List<Entry> out = new ArrayList<>();
    for (SlurmManifest.Run run : m.runs) {
      RunResult r = store.read(run.runId);
      boolean current = r != null && run.configHash.equals(r.configHash);
      if (current
          && (r.status == RunResult.Status.COMPLETED
              || r.status == RunResult.Status.NONFINITE_LOSS)) {
        out.add(new Entry(run.index, run.runId, State.DONE, describe(r)));
        continue;
      }
      SlurmClient.TaskState q = queued.get(run.index);
      if (q != null) {
        State s = RUNNING_STATES.contains(q.state()) ? State.RUNNING : State.PENDING;
        String why = q.reason() == null || q.reason().equals("None") ? "" : " (" + q.reason() + ")";
        out.add(new Entry(run.index, run.runId, s, q.state() + why));
        continue;
      }
      if (current) {
        out.add(new Entry(run.index, run.runId, State.FAILED, r.status + ": " + r.statusMessage));
        continue;
      }
      String job = latestJob.get(run.index);
      if (job == null) {
        out.add(new Entry(run.index, run.runId, State.NOT_SUBMITTED, ""));
        continue;
      }
      SlurmClient.TaskState end = ended.computeIfAbsent(job, slurm::finished).get(run.index);
      String detail =
          "job "
              + job
              + "_"
              + run.index
              + " ended without a result"
              + (end == null ? "" : " (" + end.state() + ", " + end.reason() + ")");
      out.add(new Entry(run.index, run.runId, State.FAILED, detail));
    }
    return out;
  }

  private static String describe(RunResult r) {
    if (r.status != RunResult.Status.COMPLETED || r.test == null) {
      return String.valueOf(r.status);
    }
    return String.format(
        java.util.Locale.ROOT, "%s %.2f%%", r.test.mainMetric, r.test.scorePercent);
  }
}
