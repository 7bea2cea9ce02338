package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.peftbench.peft.ModelShapes;
import org.peftbench.peft.ParameterCount;
import org.peftbench.peft.PeftConfig;
import org.peftbench.peft.PeftConfigs;
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
      paramLabel = "adapter_config.json",
      description = "An adapter_config.json (HF PEFT format) or an adapter folder.")
  Path peft;

  @Option(names = "--json", description = "Print {\"trainable\": N, \"total\": N}.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(model)) {
      throw new UserError("--model " + model + ": no such file or folder");
    }
    if (!Files.exists(peft)) {
      throw new UserError("--peft " + peft + ": no such file or folder");
    }
    ParameterCount count;
    try {
      ModelShapes shapes = ModelShapes.load(model);
      PeftConfig config = PeftConfigs.read(peft);
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
}
