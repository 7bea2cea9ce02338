package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.Var;
import org.peftbench.peft.ParameterCount;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.peft.PeftModel;
import org.peftbench.peft.TargetModules;
import org.peftbench.peft.Targeting;
import org.peftbench.tensor.Tensor;
import org.peftbench.tokenizers.Tokenizer;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelConfig;
import org.peftbench.transformer.ModelStructure;
import org.peftbench.transformer.ModelStructure.ModuleSpec;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.Slot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench explain}: what a PEFT method does to a model. From {@code config.json} alone it
 * prints the model tree (one decoder layer expanded, its adapted modules marked) and the trainable
 * parameters in total, per layer and outside the layers. With weights (a model folder with
 * safetensors) it also applies the method and lists every adapter tensor with its shape and count;
 * {@code --trace} then runs one forward and backward on a sample sentence and prints, per adapted
 * linear of the layer, the norm of the base output and of the adapter's change to it, and each
 * adapter tensor's value and gradient norms.
 */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Explain a PEFT method on a model: the model tree with adapted modules marked, adapter"
            + " tensors with shapes and counts, totals; --trace: one forward/backward with values"
            + " and gradient norms (needs weights).")
public final class ExplainCommand implements Callable<Integer> {
  static final String SAMPLE = "Once upon a time, there was a little girl who loved the sun.";

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR|config.json",
      description = "A HF model folder (weights optional) or its config.json.")
  Path model;

  @Option(
      names = "--peft",
      required = true,
      paramLabel = "adapter_config.json",
      description = "An adapter_config.json (HF PEFT format) or an adapter folder.")
  Path peft;

  @Range(min = 0, max = 1 << 20)
  @Option(names = "--layer", defaultValue = "0", description = "The decoder layer to expand.")
  int layer;

  @Option(names = "--trace", description = "Run one forward and backward (needs weights).")
  boolean trace;

  @Option(names = "--text", description = "The sample input for --trace.")
  String text = SAMPLE;

  @Range(min = Long.MIN_VALUE, max = Long.MAX_VALUE)
  @Option(names = "--seed", defaultValue = "42", description = "Seed of the adapter's init.")
  long seed;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (!Files.exists(model)) {
      throw new UserError("--model " + model + ": no such file or folder");
    }
    if (!Files.exists(peft)) {
      throw new UserError("--peft " + peft + ": no such file or folder");
    }
    Path dir = Files.isDirectory(model) ? model : model.getParent();
    boolean weights = Files.isDirectory(model) && hasWeights(model);
    if (trace && !weights) {
      throw new UserError("--trace needs weights: " + model + " has no *.safetensors");
    }
    ObjectNode out = new ObjectMapper().createObjectNode();
    try {
      ModelStructure structure = ModelStructure.load(model);
      if (layer < 0 || layer >= structure.numLayers()) {
        throw new UserError(
            "--layer " + layer + ": the model has layers 0.." + (structure.numLayers() - 1));
      }
      PeftConfig config = PeftConfigs.read(peft).resolve(structure);
      describe(out, structure, config);
      if (weights) {
        applied(out, dir, config);
      }
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    PrintWriter w = spec.commandLine().getOut();
    if (json) {
      w.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
    } else {
      ExplainText.print(out, w);
    }
    return ExitCodes.OK;
  }

  static boolean hasWeights(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(p -> p.getFileName().toString().endsWith(".safetensors"));
    }
  }

  /** What the structure alone tells: tree, marked modules, counts in total and per layer. */
  private void describe(ObjectNode out, ModelStructure structure, PeftConfig config)
      throws IOException {
    JsonNode cfg = PeftConfigs.toJson(config, null);
    String type = cfg.path("peft_type").asText();
    out.put("model_type", structure.modelType());
    out.put("peft_type", type);
    out.set("config", cfg);
    ParameterCount count = config.count(structure);
    out.put("trainable", count.trainable());
    out.put("total", count.total());
    out.put("trainable_percent", count.trainablePercent());
    // per layer: the count's growth from a 1-layer to a 2-layer copy of the model
    long one = countWithLayers(structure, config, 1), two = countWithLayers(structure, config, 2);
    out.put("trainable_per_layer", two - one);
    out.put("trainable_outside_layers", count.trainable() - structure.numLayers() * (two - one));
    Set<String> adapted = adaptedModules(structure, type, cfg);
    out.put("layers", structure.numLayers());
    out.put("layer", layer);
    ArrayNode tree = out.putArray("tree");
    addModule(tree, structure.tokenEmbedding(), adapted);
    if (structure.positionEmbedding() != null) {
      addModule(tree, structure.positionEmbedding(), adapted);
    }
    for (ModuleSpec m : structure.layers().get(layer).modules()) {
      addModule(tree, m, adapted);
    }
    addModule(tree, structure.finalNorm(), adapted);
    addModule(tree, structure.lmHead(), adapted);
    out.put("adapted_modules", adapted.size());
    out.put("input", inputEffect(type, cfg));
  }

  private static void addModule(ArrayNode tree, ModuleSpec m, Set<String> adapted) {
    ObjectNode n = tree.addObject();
    n.put("name", m.name());
    n.put("kind", m.kind().name().toLowerCase());
    ArrayNode shape = n.putArray("weight_shape");
    switch (m.kind()) {
      case LINEAR -> {
        shape.add(m.out());
        shape.add(m.in());
      }
      case NORM -> shape.add(m.size());
      case EMBEDDING -> {
        shape.add(m.in());
        shape.add(m.out());
      }
    }
    n.put("parameters", m.numel());
    n.put("adapted", adapted.contains(m.name()));
  }

  /** The modules a layer method wraps or unfreezes, by PEFT's target matching. */
  static Set<String> adaptedModules(ModelStructure structure, String type, JsonNode cfg) {
    Set<String> names = new TreeSet<>();
    if (type.equals("FULL")) {
      structure.modules().forEach(m -> names.add(m.name()));
      names.add(structure.tokenEmbedding().name());
      return names;
    }
    JsonNode targets = cfg.get("target_modules");
    if (targets == null || targets.isNull()) {
      return names; // prompt learning or none: no module changes
    }
    TargetModules t = TargetModules.fromJson(targets);
    JsonNode ex = cfg.get("exclude_modules");
    TargetModules exclude = ex == null || ex.isNull() ? null : TargetModules.fromJson(ex);
    List<ModuleSpec> hit =
        type.equals("LN_TUNING")
            ? Targeting.norms(structure, t, exclude)
            : Targeting.linears(structure, t, exclude);
    hit.forEach(m -> names.add(m.name()));
    return names;
  }

  /** What a prompt-learning method adds to the input, in one line (empty for the others). */
  static String inputEffect(String type, JsonNode cfg) {
    int p = cfg.path("num_virtual_tokens").asInt();
    return switch (type) {
      case "PROMPT_TUNING", "P_TUNING" ->
          p + " virtual token embeddings prepended to the input of layer 0";
      case "PREFIX_TUNING" -> p + " trained key/value positions prepended in every attention";
      default -> "";
    };
  }

  private long countWithLayers(ModelStructure structure, PeftConfig config, int layers) {
    ObjectNode raw = (ObjectNode) readConfigJson();
    raw.put("num_hidden_layers", layers);
    if (raw.has("text_config")) {
      ((ObjectNode) raw.get("text_config")).put("num_hidden_layers", layers);
    }
    ModelStructure small = ModelStructure.of(ModelConfig.parse(raw, model.toString()));
    // prompt-learning configs carry num_layers once resolved: re-resolve for the small copy
    ObjectNode cfg = PeftConfigs.toJson(config, null);
    if (cfg.has("num_layers")) {
      cfg.put("num_layers", layers);
    }
    PeftConfig c = PeftConfigs.fromJson(cfg, peft.toString()).resolve(small);
    return c.count(small).trainable();
  }

  private JsonNode readConfigJson() {
    Path file = Files.isDirectory(model) ? model.resolve("config.json") : model;
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UserError(file + ": " + e.getMessage(), e);
    }
  }

  /** Applies the method to the real model: adapter tensors, and the trace if asked for. */
  private void applied(ObjectNode out, Path dir, PeftConfig config) {
    CausalLM lm = ModelCli.loadModel(dir);
    Tokenizer tok = ModelCli.loadTokenizer(dir);
    int[] ids = tok.encode(text, true);
    if (ids.length < 2) {
      throw new UserError("--text must give at least 2 tokens");
    }
    int[] mask = new int[ids.length];
    java.util.Arrays.fill(mask, 1);
    double baseLoss = trace ? lossOf(lm, null, ids, mask) : Double.NaN;
    PeftModel pm = PeftModel.apply(lm, config, seed, tok);
    Map<String, Parameter> tensors = pm.method().trainable();
    String prefix = lm.structure().layers().get(layer).prefix(); // "model.layers.3."
    String layerPrefix = prefix.endsWith(".") ? prefix : prefix + ".";
    Map<String, Recorder> recorders = new LinkedHashMap<>();
    if (trace) {
      for (var e : lm.linears().entrySet()) {
        Slot<LinearLayer> slot = e.getValue();
        if (e.getKey().startsWith(layerPrefix) && slot.get() != slot.base()) {
          Recorder r = new Recorder(slot.get());
          recorders.put(e.getKey(), r);
          slot.set(r);
        }
      }
      out.put("trace_text", text);
      out.put("trace_tokens", ids.length);
      out.put("base_loss", baseLoss);
      out.put("adapted_loss", lossOf(lm, pm, ids, mask));
    }
    ArrayNode list = out.putArray("tensors");
    long shown = 0;
    for (var e : tensors.entrySet()) {
      String name = e.getKey();
      boolean inLayer = name.contains(layerPrefix) || !name.matches(".*\\.layers\\.\\d+\\..*");
      if (!inLayer) {
        continue;
      }
      Tensor v = e.getValue().value();
      ObjectNode n = list.addObject();
      n.put("name", name);
      ArrayNode shape = n.putArray("shape");
      for (int d : v.shape()) {
        shape.add(d);
      }
      n.put("count", v.numel());
      shown += v.numel();
      if (trace) {
        n.put("value_norm", norm(v));
        Tensor g = e.getValue().grad();
        n.put("grad_norm", g == null ? 0 : norm(g));
      }
    }
    out.put("tensors_shown_count", shown);
    out.put("tensors_total", tensors.size());
    out.put("trainable_live", pm.countLive().trainable());
    if (trace) {
      ArrayNode mods = out.putArray("trace_modules");
      for (var e : recorders.entrySet()) {
        Recorder r = e.getValue();
        Slot<LinearLayer> slot = lm.linears().get(e.getKey());
        LinearLayer base = slot.base();
        Tensor baseOut = base.forward(r.input).value();
        ObjectNode n = mods.addObject();
        n.put("module", e.getKey());
        n.put("input_norm", norm(r.input.value()));
        n.put("base_output_norm", norm(baseOut));
        n.put("adapter_delta_norm", normOfDifference(r.output.value(), baseOut));
        slot.set(r.inner);
      }
    }
  }

  /** Mean next-token loss on the sample (with the adapter when {@code pm} is given). */
  private static double lossOf(CausalLM lm, PeftModel pm, int[] ids, int[] mask) {
    int t = ids.length;
    if (pm == null) {
      PeftModel none =
          PeftModel.apply(lm, PeftConfigs.fromJson("{\"peft_type\":\"NONE\"}", "none"), 0);
      double l = none.loss(ids, mask, ids, 1, t).item();
      none.remove();
      return l;
    }
    Var loss = pm.loss(ids, mask, ids, 1, t);
    loss.backward();
    return loss.item();
  }

  static double norm(Tensor t) {
    double ss = 0;
    for (float v : t.toFloatArray()) {
      ss += (double) v * v;
    }
    return Math.sqrt(ss);
  }

  static double normOfDifference(Tensor a, Tensor b) {
    float[] x = a.toFloatArray(), y = b.toFloatArray();
    double ss = 0;
    for (int i = 0; i < x.length; i++) {
      double d = x[i] - y[i];
      ss += d * d;
    }
    return Math.sqrt(ss);
  }

  /** Wraps an adapted linear to keep its last input and output for the trace. */
  static final class Recorder implements LinearLayer {
    final LinearLayer inner;
    Var input, output;

    Recorder(LinearLayer inner) {
      this.inner = inner;
    }

    @Override
    public Var forward(Var x) {
      input = x;
      output = inner.forward(x);
      return output;
    }

    @Override
    public int inFeatures() {
      return inner.inFeatures();
    }

    @Override
    public int outFeatures() {
      return inner.outFeatures();
    }
  }
}
