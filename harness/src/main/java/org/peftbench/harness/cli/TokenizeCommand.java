package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.peftbench.tokenizers.ChatTemplate;
import org.peftbench.tokenizers.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peftbench tokenize}: what a model folder's tokenizer makes of a text (ids and token
 * strings), or the text of ids. Needs only the tokenizer files, not the weights.
 */
@Command(
    name = "tokenize",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Encode text to token ids (or decode ids) with a model folder's tokenizer.")
public final class TokenizeCommand implements Callable<Integer> {
  Path model;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR|ORG/NAME",
      description = ModelCli.MODEL_HELP)
  void setModel(String spec) {
    model = ModelCli.resolveModel(spec, this.spec.commandLine());
  }

  static final class Input {
    @Option(names = "--text", paramLabel = "TEXT", description = "Text to encode.")
    String text;

    @Option(names = "--ids", paramLabel = "1,2,3", description = "Token ids to decode.")
    String ids;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  @Option(
      names = "--no-special",
      description = "Encode without BOS/EOS; decode without dropping special tokens.")
  boolean noSpecial;

  @Option(
      names = "--chat",
      description = "Wrap --text as one user message in the model's chat template first.")
  boolean chat;

  @Option(
      names = "--json",
      description = "Print {\"ids\": [...], \"tokens\": [...], \"text\": ...}.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(model)) {
      throw new UserError("--model " + model + ": not a folder");
    }
    Tokenizer tok = ModelCli.loadTokenizer(model);
    int[] ids;
    String text;
    if (input.ids != null) {
      if (chat) {
        throw new UserError("--chat needs --text, not --ids");
      }
      ids = ModelCli.parseIds(input.ids, tok.vocabSize());
      text = tok.decode(ids, !noSpecial);
    } else {
      text = input.text;
      boolean addSpecial = !noSpecial;
      if (chat) {
        ChatTemplate template =
            ChatTemplate.load(model)
                .orElseThrow(() -> new UserError("--chat: " + model + " has no chat template"));
        text = template.render(List.of(new ChatTemplate.Message("user", text)), true);
        addSpecial = false; // the template writes the special tokens itself
      }
      ids = tok.encode(text, addSpecial);
    }
    var out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper mapper = new ObjectMapper();
      ObjectNode node = mapper.createObjectNode();
      ArrayNode idArray = node.putArray("ids");
      ArrayNode tokens = node.putArray("tokens");
      for (int id : ids) {
        idArray.add(id);
        tokens.add(tok.token(id));
      }
      node.put("text", text);
      out.println(mapper.writeValueAsString(node));
    } else {
      for (int id : ids) {
        out.printf("%8d  %s%s%n", id, tok.token(id), tok.isSpecial(id) ? "  (special)" : "");
      }
      out.printf("%d tokens%n", ids.length);
      if (input.ids != null) {
        out.println(text);
      }
    }
    return ExitCodes.OK;
  }
}
