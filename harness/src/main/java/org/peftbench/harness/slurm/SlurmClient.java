package org.peftbench.harness.slurm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Calls Slurm's client commands ({@code sbatch}, {@code squeue}, {@code sacct}, {@code scontrol})
 * as processes and parses their machine-readable output. Nothing here talks to Slurm any other way,
 * so what this class sees is what a user sees at a shell on the login node.
 */
public class SlurmClient {
  /** How long one client command may take before it counts as hung. */
  private static final long TIMEOUT_SECONDS = 60;

  /** A job array task's state as Slurm names it (PENDING, RUNNING, CANCELLED, ...). */
  public record TaskState(String state, String reason) {}

  /** Submits {@code script} with {@code args} before it; returns the job id sbatch printed. */
  public String sbatch(List<String> args, Path script) {
    List<String> cmd = new ArrayList<>();
    cmd.add("sbatch");
    cmd.add("--parsable");
    cmd.addAll(args);
    cmd.add(script.toString());
    String out = run(cmd, false).trim();
    // --parsable prints "jobid" or "jobid;cluster"
    String id = out.contains(";") ? out.substring(0, out.indexOf(';')) : out;
    if (!id.matches("\\d+")) {
      throw new IllegalStateException("sbatch printed no job id: '" + out + "'");
    }
    return id;
  }

  /**
   * The queued (pending, running, completing, requeued...) tasks of the given array jobs, as array
   * index to state. Tasks no longer in the queue are absent.
   */
  public Map<Integer, TaskState> queued(List<String> jobIds) {
    Map<Integer, TaskState> out = new LinkedHashMap<>();
    if (jobIds.isEmpty()) {
      return out;
    }
    // -r: one line per array task, pending ones included; %i = <job>_<index>
    String text =
        run(List.of("squeue", "-h", "-r", "-j", String.join(",", jobIds), "-o", "%i|%T|%r"), true);
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\|", -1);
      Integer index = arrayIndex(f[0]);
      if (f.length >= 2 && index != null) {
        out.put(index, new TaskState(f[1], f.length > 2 ? f[2] : ""));
      }
    }
    return out;
  }

  /**
   * How the finished tasks of an array job ended, as array index to state: from {@code sacct} where
   * accounting runs, else from {@code scontrol show job} (which keeps finished jobs for Slurm's
   * MinJobAge). Tasks that neither knows are absent.
   */
  public Map<Integer, TaskState> finished(String jobId) {
    Map<Integer, TaskState> out = new LinkedHashMap<>();
    String acct =
        runQuietly(List.of("sacct", "-n", "-P", "-X", "-j", jobId, "-o", "JobID,State,ExitCode"));
    if (acct != null) {
      for (String line : acct.split("\n")) {
        String[] f = line.trim().split("\\|", -1);
        Integer index = arrayIndex(f[0]);
        if (f.length >= 2 && index != null) {
          out.put(index, new TaskState(f[1].split(" ")[0], f.length > 2 ? "exit " + f[2] : ""));
        }
      }
      if (!out.isEmpty()) {
        return out;
      }
    }
    String ctl = runQuietly(List.of("scontrol", "-o", "show", "job", jobId));
    if (ctl != null) {
      for (String line : ctl.split("\n")) {
        String task = field(line, "ArrayTaskId");
        String state = field(line, "JobState");
        if (task != null && task.matches("\\d+") && state != null) {
          String exit = field(line, "ExitCode");
          out.put(Integer.parseInt(task), new TaskState(state, exit == null ? "" : "exit " + exit));
        }
      }
    }
    return out;
  }

  /** True when {@code sinfo} answers and lists at least one node that can take jobs. */
  public static boolean available() {
    try {
      String states = new SlurmClient().run(List.of("sinfo", "-h", "-o", "%T"), false);
      return states.lines().anyMatch(s -> s.matches("(idle|mixed|allocated|completing)\\*?"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** "123_4" to 4; null for anything else (the array's own line "123_[5-7]" when not -r). */
  static Integer arrayIndex(String jobField) {
    int u = jobField.lastIndexOf('_');
    if (u < 0) {
      return null;
    }
    String idx = jobField.substring(u + 1);
    return idx.matches("\\d+") ? Integer.valueOf(idx) : null;
  }

  private static String field(String line, String key) {
    for (String kv : line.split(" ")) {
      if (kv.startsWith(key + "=")) {
        return kv.substring(key.length() + 1);
      }
    }
    return null;
  }

  private String runQuietly(List<String> cmd) {
    try {
      return run(cmd, false);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Runs a client command and returns its standard output. {@code emptyOnInvalidJob}: squeue exits
   * 1 with "Invalid job id specified" once every job asked about has left the queue; that means
   * "nothing queued", not an error.
   */
  private String run(List<String> cmd, boolean emptyOnInvalidJob) {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
    } catch (IOException e) {
      throw new IllegalStateException(
          cmd.getFirst()
              + " cannot be run ("
              + e.getMessage()
              + "); run this on a Slurm login node with the Slurm client commands on PATH",
          e);
    }
    try {
      p.getOutputStream().close();
      var stdout = p.getInputStream().readAllBytes();
      var stderr = p.getErrorStream().readAllBytes();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            cmd.getFirst() + " did not answer in " + TIMEOUT_SECONDS + " s");
      }
      String err = new String(stderr, StandardCharsets.UTF_8).trim();
      if (p.exitValue() != 0) {
        if (emptyOnInvalidJob && err.contains("Invalid job id")) {
          return "";
        }
        throw new IllegalStateException(
            String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + err);
      }
      return new String(stdout, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(cmd.getFirst() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(cmd.getFirst() + " interrupted", e);
    }
  }
}
