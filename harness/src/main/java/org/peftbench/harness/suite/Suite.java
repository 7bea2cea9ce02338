package org.peftbench.harness.suite;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.ArrayList;
import java.util.List;
import org.peftbench.datasets.Protocol;

/**
 * A benchmark suite: every combination of models × methods × tasks × seeds is one run. Suite-level
 * training settings and caps apply to all runs; a method's own block overrides them.
 *
 * @param name the suite's name (results go to {@code results/<name>/} by default)
 * @param protocol {@code peft-factory} (the reference harness exactly, the default) or {@code
 *     corrected} (this project's fixes); see {@link Protocol} and docs/protocol.md
 * @param models model folders (HF layout); relative paths resolve as {@link ModelPaths} says
 * @param dataDir the datasets folder ({@code <task>/<split>.jsonl}); default {@code
 *     ../shared/datasets}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Suite(
    String name,
    String description,
    String protocol,
    List<String> models,
    List<MethodSpec> methods,
    List<String> tasks,
    List<Long> seeds,
    String dataDir,
    TrainingSettings training,
    Caps caps,
    EvaluationSettings evaluation,
    PscpSettings pscp) {

  /** One cell of the grid. */
  public record RunSpec(
      Protocol protocol,
      String model,
      MethodSpec method,
      String task,
      long seed,
      TrainingSettings training,
      Caps caps,
      EvaluationSettings evaluation) {

    /**
     * A file-name-safe id, unique within a suite and stable across machines: {@code
     * <model>__<method>__<task>__s<seed>-<hash>}. The readable part alone could collide (methods
     * {@code "my lora"} and {@code my_lora}, models {@code a/llama} and {@code b/llama}), so the
     * first 10 hex digits of SHA-256 over the cell's exact key (the model entry as the suite writes
     * it, the method name, task and seed) follow it. The model entry, not its resolved path, keeps
     * the id the same when the checkout moves (another node of a cluster).
     */
    public String id() {
      String modelName = java.nio.file.Path.of(model).getFileName().toString();
      String readable =
          safe(modelName) + "__" + safe(method.name()) + "__" + safe(task) + "__s" + seed;
      String key = model + "\n" + method.name() + "\n" + task + "\n" + seed;
      try {
        byte[] h =
            java.security.MessageDigest.getInstance("SHA-256")
                .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return readable + "-" + java.util.HexFormat.of().formatHex(h).substring(0, 10);
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    /**
     * SHA-256 of this cell's whole configuration (model, method block, training, caps, evaluation,
     * task, seed) in a canonical JSON form: a stored result counts as done only for the same hash.
     */
    public String configHash() {
      try {
        com.fasterxml.jackson.databind.ObjectMapper m =
            new com.fasterxml.jackson.databind.ObjectMapper()
                .configure(
                    com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS,
                    true)
                .configure(
                    com.fasterxml.jackson.databind.MapperFeature.SORT_PROPERTIES_ALPHABETICALLY,
                    true);
        Object canonical = m.treeToValue(m.valueToTree(this), Object.class); // maps: sorted
        byte[] json = m.writeValueAsBytes(canonical);
        return java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(json));
      } catch (com.fasterxml.jackson.core.JsonProcessingException
          | java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    private static String safe(String s) {
      return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }
  }

  /** Checks required fields and value ranges; throws IllegalArgumentException naming the field. */
  public Suite validated() {
    require(name != null && !name.isBlank(), "'name' is missing");
    require(models != null && !models.isEmpty(), "'models' must list at least one model folder");
    require(methods != null && !methods.isEmpty(), "'methods' must list at least one method");
    require(tasks != null && !tasks.isEmpty(), "'tasks' must list at least one task");
    require(seeds != null && !seeds.isEmpty(), "'seeds' must list at least one seed");
    java.util.Set<String> names = new java.util.HashSet<>();
    for (MethodSpec m : methods) {
      require(m.name() != null && !m.name().isBlank(), "every method needs a 'name'");
      require(names.add(m.name()), "method name '" + m.name() + "' appears twice");
      require(
          m.peft() != null && m.peft().hasNonNull("peft_type"),
          "method '" + m.name() + "' needs a 'peft' block with a peft_type");
      effectiveTraining(m).resolved();
      effectiveCaps(m).validate();
    }
    evaluationResolved();
    pscpResolved();
    protocolResolved();
    return this;
  }

  /** The suite's protocol; {@code peft-factory} when the file names none. */
  public Protocol protocolResolved() {
    return protocol == null ? Protocol.PEFT_FACTORY : Protocol.parse(protocol);
  }

  public TrainingSettings effectiveTraining(MethodSpec m) {
    TrainingSettings base = training == null ? TrainingSettings.EMPTY : training;
    return base.overriddenBy(m.training()).resolved();
  }

  public Caps effectiveCaps(MethodSpec m) {
    return (caps == null ? Caps.NONE : caps).overriddenBy(m.caps());
  }

  public EvaluationSettings evaluationResolved() {
    return (evaluation == null ? EvaluationSettings.DEFAULTS : evaluation).resolved();
  }

  public PscpSettings pscpResolved() {
    return (pscp == null ? PscpSettings.DEFAULTS : pscp).resolved();
  }

  /** The grid in a fixed order: model, task, method, seed. */
  public List<RunSpec> runs() {
    List<RunSpec> out = new ArrayList<>();
    for (String model : models) {
      for (String task : tasks) {
        for (MethodSpec m : methods) {
          for (long seed : seeds) {
            out.add(
                new RunSpec(
                    protocolResolved(),
                    model,
                    m,
                    task,
                    seed,
                    effectiveTraining(m),
                    effectiveCaps(m),
                    evaluationResolved()));
          }
        }
      }
    }
    return out;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
