package org.peftbench.harness.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.peftbench.peft.ParameterCount;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftConfigs;
import org.peftbench.transformer.ModelStructure;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench params}: trainable and total parameters of a model with a PEFT method, exactly
 * as HF PEFT's {@code print_trainable_parameters} reports them, from {@code config.json} alone (no
 * weights are read, so 8B-scale models cost nothing).
 */
@Command(
    name = "params",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Trainable/total parameters of a model with a PEFT method (as PEFT's"
            + " print_trainable_parameters), from config.json alone.")
public final class ParamsCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR|config.json",
      description = "A HF model folder or its config.json.")
  Path model;

  @Option(
      names = "--peft",
      required = true,
      paramLabel = "adapter_config.json|BLOCK",
      description =
          "An adapter_config.json (HF PEFT format), an adapter folder, or a suite's method block"
              + " inline, e.g. '{peft_type: IA3, feedforward_modules: down_proj}' (YAML or JSON).")
  String peft;

  @Option(names = "--json", description = "Print {\"trainable\": N, \"total\": N}.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(model)) {
      throw new UserError("--model " + model + ": no such file or folder");
    }
    boolean inline = peft.strip().startsWith("{");
    if (!inline && !Files.exists(Path.of(peft))) {
      throw new UserError("--peft " + peft + ": no such file or folder");
    }
    ParameterCount count;
    try {
      ModelStructure shapes = ModelStructure.load(model);
      PeftConfig config = inline ? inlineBlock(peft) : PeftConfigs.read(Path.of(peft));
      count = config.count(shapes);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    } catch (ArithmeticException e) {
      throw new UserError(
          model
              + ": the parameter count exceeds "
              + String.format(java.util.Locale.ROOT, "%.3g", (double) Long.MAX_VALUE)
              + " (the largest count this tool represents); check the config's sizes",
          e);
    }
    var out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper m = new ObjectMapper();
      ObjectNode n = m.createObjectNode();
      n.put("trainable", count.trainable());
      n.put("total", count.total());
      out.println(m.writeValueAsString(n));
    } else {
      out.println(count);
    }
    return ExitCodes.OK;
  }

  /** A method block written inline, in YAML flow style as the suites write it, or JSON. */
  private static PeftConfig inlineBlock(String text) {
    JsonNode node;
    try {
      node = new ObjectMapper(new YAMLFactory()).readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "--peft: not a YAML/JSON block: " + e.getOriginalMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("--peft: a method block must be a mapping, got " + text);
    }
    return PeftConfigs.fromJson(node, "--peft block");
  }
}
