package org.peftbench.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.harness.results.ResultStore;
import org.peftbench.harness.results.RunResult;

/** The report's method section (guide links, cost breakdown) and validation points on curves. */
class MethodCardsTest {
  @Test
  void everyBuiltInTypeLinksToAGuideThatExists() {
    Path docs = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/methods");
    ObjectMapper json = new ObjectMapper();
    ObjectNode dora = json.createObjectNode().put("use_dora", true);
    ObjectNode rslora = json.createObjectNode().put("use_rslora", true);
    assertThat(MethodCards.guide("LORA", null)).isEqualTo("lora");
    assertThat(MethodCards.guide("LORA", dora)).isEqualTo("dora");
    assertThat(MethodCards.guide("LORA", rslora)).isEqualTo("rslora");
    assertThat(MethodCards.guide("SCALE", null)).isNull();
    for (String type :
        List.of(
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
            "NONE")) {
      assertThat(docs.resolve(MethodCards.guide(type, null) + ".md")).exists();
    }
    assertThat(docs.resolve(MethodCards.guide("LORA", dora) + ".md")).exists();
    assertThat(docs.resolve(MethodCards.guide("LORA", rslora) + ".md")).exists();
  }

  @Test
  void theReportLinksGuidesShowsCostsAndPlotsValidationPoints(@TempDir Path tmp) throws Exception {
    ResultStore store = new ResultStore(tmp);
    RunResult dora = ReportTest.result("dora", "sst2", 1, 60, 14_876_672);
    dora.peftType = "LORA";
    dora.config = new ObjectMapper().createObjectNode();
    dora.config.putObject("peft").put("peft_type", "LORA").put("use_dora", true);
    dora.cost.totalParams = 8_045_137_920L;
    dora.cost.forwardFlopsBase = 8e9;
    dora.cost.forwardFlopsAdapted = 8e9;
    dora.cost.mergedForInference = true;
    dora.evaluations =
        List.of(
            new RunResult.Evaluation(1, 0.5, 1.9, 2.0), new RunResult.Evaluation(3, 1, 1.4, 1.2));
    store.write(dora);
    RunResult prompt = ReportTest.result("prompt", "sst2", 1, 40, 409_600);
    prompt.peftType = "PROMPT_TUNING";
    prompt.cost.totalParams = 8_030_670_848L;
    prompt.cost.forwardFlopsBase = 8e9;
    prompt.cost.forwardFlopsAdapted = 9e9;
    store.write(prompt);
    Report.write(tmp);
    String html = Files.readString(tmp.resolve("report.html"));
    assertThat(html).contains("<h2>Methods</h2>");
    assertThat(html).containsPattern("<a class=\"guide\" href=\"[^\"]*dora\\.md\">dora\\.md</a>");
    assertThat(html).containsPattern("href=\"[^\"]*prompt-tuning\\.md\"");
    assertThat(html).contains("<td>14,876,672</td><td>0.1849</td>");
    assertThat(html).contains("<td>+0.00%</td><td>yes</td><td>238.0</td>");
    assertThat(html).contains("<td>+12.50%</td><td>no</td><td>6.6</td>");
    // two validation points on the dora curve, drawn as marks with their values
    assertThat(Pattern.compile("class=\"mark validation\"").matcher(html).results().count())
        .isEqualTo(2);
    assertThat(html).contains("validation loss 1.4000 at step 3");
  }
}
