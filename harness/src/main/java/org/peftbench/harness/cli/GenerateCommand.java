package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.peftbench.tokenizers.ChatTemplate;
import org.peftbench.tokenizers.Tokenizer;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.generate.GenerationConfig;
import org.peftbench.transformer.generate.Generator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peftbench generate}: continue a prompt with a model (optionally with an adapter). */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Generate a continuation of a prompt (greedy with --temperature 0).",
      "An empty prompt starts from BOS."
    })
public final class GenerateCommand implements Callable<Integer> {
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

  @Option(
      names = "--prompt",
      defaultValue = "",
      paramLabel = "TEXT",
      description = "Prompt text (default: empty).")
  String prompt;

  @Option(names = "--ids", paramLabel = "1,2,3", description = "Prompt token ids instead of text.")
  String ids;

  @Option(
      names = "--chat",
      description = "Wrap the prompt as a user message with the model's chat template.")
  boolean chat;

  @Range(min = 1, max = 1 << 20)
  @Option(
      names = "--max-new-tokens",
      defaultValue = "64",
      paramLabel = "N",
      description = "Default: ${DEFAULT-VALUE}.")
  int maxNewTokens;

  @Range(min = 0, max = 100)
  @Option(
      names = "--temperature",
      defaultValue = "0",
      paramLabel = "T",
      description = "0 = greedy (default).")
  double temperature;

  @Range(min = 0)
  @Option(
      names = "--top-k",
      defaultValue = "0",
      paramLabel = "K",
      description = "0 = off (default).")
  int topK;

  @Range(min = Double.MIN_VALUE, max = 1)
  @Option(
      names = "--top-p",
      defaultValue = "1",
      paramLabel = "P",
      description = "1 = off (default).")
  double topP;

  @Range(min = Long.MIN_VALUE, max = Long.MAX_VALUE)
  @Option(
      names = "--seed",
      defaultValue = "0",
      paramLabel = "S",
      description = "Sampling seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--stop",
      paramLabel = "STR",
      description = "Stop once the output contains STR (repeatable).")
  List<String> stops = List.of();

  @Option(names = "--json", description = "Print {\"ids\": [...], \"text\": \"...\"}.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    GenerationConfig cfg;
    try (CausalLM m = ModelCli.loadModel(model)) {
      Tokenizer tok = tryTokenizer();
      int[] promptIds = promptIds(m, tok);
      Set<Integer> eos = new HashSet<>(m.config().eosTokenIds());
      if (tok != null) {
        eos.addAll(tok.eosIds());
      }
      try {
        cfg = new GenerationConfig(maxNewTokens, temperature, topK, topP, seed, eos, stops);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage(), e);
      }
      Generator g = new Generator(m).withPrefillHook(ModelCli.adapterHook(m, adapter));
      if (tok != null) {
        g = g.withDecoder(x -> tok.decode(x, true));
      } else if (!stops.isEmpty()) {
        throw new UserError("--stop needs a tokenizer in " + model);
      }
      Generator.Result r = g.generate(List.of(promptIds), cfg).get(0);
      var out = spec.commandLine().getOut();
      if (json) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode node = mapper.createObjectNode();
        var arr = node.putArray("ids");
        for (int id : r.tokens()) {
          arr.add(id);
        }
        node.put("text", r.text());
        out.println(mapper.writeValueAsString(node));
      } else {
        out.println(r.text() != null ? r.text() : java.util.Arrays.toString(r.tokens()));
      }
    }
    return ExitCodes.OK;
  }

  private Tokenizer tryTokenizer() {
    try {
      return org.peftbench.tokenizers.Tokenizers.load(model);
    } catch (RuntimeException e) {
      if (ids == null) {
        throw new UserError("cannot load the tokenizer of " + model + ": " + e.getMessage(), e);
      }
      return null; // --ids works without a tokenizer (output then has no text)
    }
  }

  private int[] promptIds(CausalLM m, Tokenizer tok) {
    if (ids != null) {
      if (chat) {
        throw new UserError("--chat needs --prompt text, not --ids");
      }
      int[] p = ModelCli.parseIds(ids, m.config().vocabSize());
      return p.length == 0 ? new int[] {ModelCli.bos(m, tok)} : p;
    }
    int[] p;
    if (chat) {
      ChatTemplate template =
          ChatTemplate.load(model)
              .orElseThrow(() -> new UserError("--chat: " + model + " has no chat template"));
      String text = template.render(List.of(new ChatTemplate.Message("user", prompt)), true);
      p = tok.encode(text, false); // the template writes the special tokens itself
    } else {
      p = prompt.isEmpty() ? new int[0] : tok.encode(prompt, true);
    }
    return p.length == 0 ? new int[] {ModelCli.bos(m, tok)} : p;
  }
}
