package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.generate.Scorer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench score}: per-token log-probabilities of a sequence, {@code log p(token t+1 |
 * tokens ≤ t)}, and their mean negative (the loss).
 */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Per-token log-probabilities of a token sequence or text under a model.")
public final class ScoreCommand implements Callable<Integer> {
  Path model;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR|ORG/NAME",
      description = ModelCli.MODEL_HELP)
  void setModel(String spec) {
    model = ModelCli.resolveModel(spec, this.spec.commandLine());
  }

  @Option(
      names = "--adapter",
      paramLabel = "DIR",
      description = "A PEFT adapter folder (HF PEFT format).")
  Path adapter;

  static final class Input {
    @Option(names = "--ids", paramLabel = "1,2,3", description = "Token ids.")
    String ids;

    @Option(
        names = "--text",
        paramLabel = "TEXT",
        description = "Text (tokenized with BOS as the model does).")
    String text;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  @Option(names = "--json", description = "Print {\"logprobs\": [...], \"loss\": x}.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    try (CausalLM m = ModelCli.loadModel(model)) {
      int[] ids =
          input.ids != null
              ? ModelCli.parseIds(input.ids, m.config().vocabSize())
              : ModelCli.loadTokenizer(model).encode(input.text, true);
      if (ids.length < 2) {
        throw new UserError("need at least 2 tokens to score, got " + ids.length);
      }
      float[] lp = Scorer.logprobs(m, ids, ModelCli.adapterHook(m, adapter));
      double loss = Scorer.loss(lp);
      var out = spec.commandLine().getOut();
      if (json) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode node = mapper.createObjectNode();
        var arr = node.putArray("logprobs");
        for (float x : lp) {
          arr.add(x);
        }
        node.put("loss", loss);
        out.println(mapper.writeValueAsString(node));
      } else {
        for (int t = 0; t < lp.length; t++) {
          out.printf("%6d  %10d  %12.6f%n", t + 1, ids[t + 1], lp[t]);
        }
        out.printf("loss %.6f over %d tokens%n", loss, lp.length);
      }
    }
    return ExitCodes.OK;
  }
}
