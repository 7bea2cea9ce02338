package org.peftbench.harness.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.harness.cli.Main;

/**
 * The method guides in {@code docs/methods/} cannot drift from the code: every {@code <!-- params:
 * model=M peft=JSON trainable=N total=N -->} line is recomputed by running {@code peftbench params}
 * on that config, the numbers must also appear in the guide's prose and in the overview table of
 * {@code docs/methods.md}, every built-in method has a guide, and every relative link resolves.
 */
class MethodGuidesTest {
  /** The guide of each built-in {@code peft_type} (LoRA's variants share LORA). */
  static final List<String> GUIDES =
      List.of(
          "lora",
          "dora",
          "rslora",
          "ia3",
          "prompt-tuning",
          "prefix-tuning",
          "p-tuning",
          "ln-tuning",
          "bitfit",
          "vera",
          "loha",
          "lokr",
          "full",
          "none");

  static final Set<String> BUILT_IN_TYPES =
      Set.of(
          "LORA",
          "IA3",
          "PROMPT_TUNING",
          "PREFIX_TUNING",
          "P_TUNING",
          "LN_TUNING",
          "BITFIT",
          "VERA",
          "LOHA",
          "LOKR",
          "FULL",
          "NONE");

  static final Pattern PARAMS_LINE =
      Pattern.compile("<!-- params: model=(\\S+) peft=(\\{.*?}) trainable=(\\d+) total=(\\d+) -->");
  static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");

  /** One machine-readable count claimed by a guide. */
  record Claim(String model, String peft, long trainable, long total) {}

  static Path docs() {
    Path docs =
        Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent().resolve("docs");
    assertThat(docs.resolve("methods")).as("docs/methods beside the harness module").isDirectory();
    return docs;
  }

  static Path models() {
    String shared = System.getProperty("peftbench.shared");
    Path p = shared == null ? null : Path.of(shared, "models");
    assumeTrue(p != null && Files.isDirectory(p), "../shared/models not present");
    return p;
  }

  static List<Claim> claims(String guide) {
    List<Claim> out = new ArrayList<>();
    Matcher m = PARAMS_LINE.matcher(guide);
    while (m.find()) {
      out.add(
          new Claim(
              m.group(1), m.group(2), Long.parseLong(m.group(3)), Long.parseLong(m.group(4))));
    }
    return out;
  }

  /** The guide's text without its HTML comments, so a number counts only if a reader sees it. */
  static String prose(String guide) {
    return guide.replaceAll("(?s)<!--.*?-->", "");
  }

  static String grouped(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** What {@code peftbench params --json} prints for a claim's model and config. */
  static JsonNode params(Claim c, Path dir) throws IOException {
    Path cfg = Files.createTempFile(dir, "adapter_config", ".json");
    Files.writeString(cfg, c.peft());
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code =
        Main.run(
            new String[] {
              "params",
              "--model",
              models().resolve(c.model()).toString(),
              "--peft",
              cfg.toString(),
              "--json"
            },
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    assertThat(code).as("peftbench params on %s: %s", c.peft(), err).isZero();
    return new ObjectMapper().readTree(out.toString());
  }

  /** The mismatches between a guide's claims and {@code peftbench params}, one line each. */
  static List<String> check(String name, String guide, Path dir) throws IOException {
    List<String> problems = new ArrayList<>();
    List<Claim> claims = claims(guide);
    if (claims.isEmpty()) {
      problems.add(name + ": no <!-- params: ... --> line");
    }
    String prose = prose(guide);
    for (Claim c : claims) {
      JsonNode got = params(c, dir);
      long trainable = got.get("trainable").longValue(), total = got.get("total").longValue();
      if (trainable != c.trainable() || total != c.total()) {
        problems.add(
            String.format(
                "%s: %s claims trainable=%d total=%d, peftbench params gives trainable=%d total=%d",
                name, c.peft(), c.trainable(), c.total(), trainable, total));
      }
      if (!prose.contains(grouped(c.trainable()))) {
        problems.add(name + ": the text never states " + grouped(c.trainable()));
      }
    }
    return problems;
  }

  @Test
  void everyGuidesParameterCountIsWhatParamsPrints(@TempDir Path dir) throws IOException {
    models();
    List<String> problems = new ArrayList<>();
    for (String g : GUIDES) {
      Path file = docs().resolve("methods").resolve(g + ".md");
      assertThat(file).as("the guide of " + g).exists();
      problems.addAll(check(g + ".md", Files.readString(file), dir));
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void aWrongNumberIsCaught(@TempDir Path dir) throws IOException {
    models();
    String right =
        "LoRA on q/v: 3,407,872.\n<!-- params: model=llama-3-8b-instruct"
            + " peft={\"peft_type\":\"LORA\",\"r\":8,\"target_modules\":[\"q_proj\",\"v_proj\"]}"
            + " trainable=3407872 total=8033669120 -->\n";
    assertThat(check("right", right, dir)).isEmpty();
    String wrongCount = right.replace("trainable=3407872", "trainable=3407873");
    assertThat(check("wrong", wrongCount, dir))
        .anySatisfy(p -> assertThat(p).contains("claims trainable=3407873"))
        .anySatisfy(p -> assertThat(p).contains("gives trainable=3407872"));
    String wrongProse = right.replace("3,407,872.", "3,407,000.");
    assertThat(check("prose", wrongProse, dir))
        .singleElement()
        .asString()
        .contains("never states 3,407,872");
    assertThat(check("none", "no numbers here", dir)).singleElement().asString().contains("no");
  }

  @Test
  void everyBuiltInMethodHasAGuideAndTheOverviewAgrees() throws IOException {
    String overview = Files.readString(docs().resolve("methods.md"));
    Set<String> covered = new TreeSet<>();
    ObjectMapper json = new ObjectMapper();
    for (String g : GUIDES) {
      String guide = Files.readString(docs().resolve("methods").resolve(g + ".md"));
      List<Claim> claims = claims(guide);
      assertThat(claims).as(g + ".md has a params line").isNotEmpty();
      for (Claim c : claims) {
        covered.add(json.readTree(c.peft()).get("peft_type").asText());
      }
      // the overview's row for this guide states the guide's first (headline) count
      String row =
          overview
              .lines()
              .filter(l -> l.contains("(methods/" + g + ".md)"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("docs/methods.md has no row for " + g));
      assertThat(row).as("overview row of " + g).contains(grouped(claims.get(0).trainable()));
    }
    assertThat(covered).containsAll(BUILT_IN_TYPES);
  }

  @Test
  void everyRelativeLinkInTheGuidesResolves() throws IOException {
    List<String> broken = new ArrayList<>();
    List<Path> pages = new ArrayList<>();
    pages.add(docs().resolve("methods.md"));
    for (String g : GUIDES) {
      pages.add(docs().resolve("methods").resolve(g + ".md"));
    }
    for (Path page : pages) {
      Matcher m = LINK.matcher(Files.readString(page));
      while (m.find()) {
        String target = m.group(1);
        if (target.startsWith("http://") || target.startsWith("https://")) {
          continue;
        }
        if (!Files.exists(page.getParent().resolve(target).normalize())) {
          broken.add(docs().relativize(page) + " -> " + target);
        }
      }
    }
    assertThat(broken).isEmpty();
  }
}
