package org.peftbench.datasets;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.peftbench.datasets.tasks.Apps;
import org.peftbench.datasets.tasks.BoolQ;
import org.peftbench.datasets.tasks.Cb;
import org.peftbench.datasets.tasks.CodeAlpaca;
import org.peftbench.datasets.tasks.Cola;
import org.peftbench.datasets.tasks.Conala;
import org.peftbench.datasets.tasks.Copa;
import org.peftbench.datasets.tasks.Gsm8k;
import org.peftbench.datasets.tasks.HellaSwag;
import org.peftbench.datasets.tasks.MathQa;
import org.peftbench.datasets.tasks.Mmlu;
import org.peftbench.datasets.tasks.Mnli;
import org.peftbench.datasets.tasks.Mrpc;
import org.peftbench.datasets.tasks.MultiRc;
import org.peftbench.datasets.tasks.OpenBookQa;
import org.peftbench.datasets.tasks.Piqa;
import org.peftbench.datasets.tasks.Qnli;
import org.peftbench.datasets.tasks.Qqp;
import org.peftbench.datasets.tasks.Record;
import org.peftbench.datasets.tasks.Rte;
import org.peftbench.datasets.tasks.Siqa;
import org.peftbench.datasets.tasks.Sst2;
import org.peftbench.datasets.tasks.Stsb;
import org.peftbench.datasets.tasks.Svamp;
import org.peftbench.datasets.tasks.Wic;
import org.peftbench.datasets.tasks.Winogrande;
import org.peftbench.datasets.tasks.Wsc;

/** The 27 PEFT-Bench tasks by name, in the paper's order (GLUE, SuperGLUE, others, math, code). */
public final class TaskRegistry {
  private static final Map<String, String> ALIASES =
      Map.of(
          "math_qa", "mathqa",
          "codealpacapy", "codealpaca",
          "social_i_qa", "siqa",
          "sst-2", "sst2",
          "sts-b", "stsb");

  private TaskRegistry() {}

  /** New instances of every task (tasks hold no data, so this is cheap). */
  public static List<Task> all() {
    return List.of(
        new Mnli(),
        new Qqp(),
        new Qnli(),
        new Sst2(),
        new Stsb(),
        new Mrpc(),
        new Rte(),
        new Cola(),
        new MultiRc(),
        new Record(),
        new BoolQ(),
        new Wic(),
        new Wsc(),
        new Cb(),
        new Copa(),
        new Mmlu(),
        new Piqa(),
        new Siqa(),
        new HellaSwag(),
        new Winogrande(),
        new OpenBookQa(),
        new MathQa(),
        new Gsm8k(),
        new Svamp(),
        new Conala(),
        new CodeAlpaca(),
        new Apps());
  }

  public static List<String> names() {
    return all().stream().map(Task::name).toList();
  }

  /**
   * The task called {@code name} (case-insensitive; PEFT-Factory's names such as {@code math_qa}
   * and {@code codealpacapy} also work).
   *
   * @throws IllegalArgumentException naming the known tasks when there is none
   */
  public static Task byName(String name) {
    String key = name.strip().toLowerCase(Locale.ROOT);
    key = ALIASES.getOrDefault(key, key);
    Map<String, Task> byName = new LinkedHashMap<>();
    for (Task t : all()) {
      byName.put(t.name(), t);
    }
    Task task = byName.get(key);
    if (task == null) {
      throw new IllegalArgumentException(
          "unknown task '" + name + "'; known tasks: " + String.join(", ", byName.keySet()));
    }
    return task;
  }
}
