package org.peftbench.harness.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.harness.cli.Main;

/**
 * {@code peftbench generate --model org/name}: from a cache the Python tools filled, with
 * HF_HUB_OFFLINE=1, and downloaded from a local hub otherwise; the text equals the local folder's.
 * The HF_* variables are given as system properties, which override the environment.
 */
class HubModelCliTest {
  private static final List<String> VARS =
      List.of("HF_HUB_CACHE", "HF_HUB_OFFLINE", "HF_ENDPOINT", "HF_TOKEN");

  @TempDir Path tmp;

  @AfterEach
  void clear() {
    VARS.forEach(System::clearProperty);
  }

  record Run(int code, String out, String err) {}

  static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  static Run generate(String model) {
    return cli("generate", "--model", model, "--prompt", "Once upon", "--max-new-tokens", "8");
  }

  @Test
  void generateFromAPrefilledCacheOfflineAndFromTheHubOnline() throws Exception {
    Path stories = HubDownloaderTest.stories();
    Run local = generate(stories.toString());
    assertThat(local.code()).as(local.err()).isZero();

    // offline, from the Python tools' layout
    Path cache = tmp.resolve("hub");
    PythonLayout.fill(
        cache,
        "karpathy/stories260K",
        HubDownloaderTest.COMMIT_NEW,
        stories,
        HubDownloaderTest.FILES);
    System.setProperty("HF_HUB_CACHE", cache.toString());
    System.setProperty("HF_HUB_OFFLINE", "1");
    Run offline = generate("karpathy/stories260K");
    assertThat(offline.code()).as(offline.err()).isZero();
    assertThat(offline.out()).isEqualTo(local.out());

    Run missing = generate("karpathy/other");
    assertThat(missing.code()).as(missing.err()).isEqualTo(2);
    assertThat(missing.err())
        .contains("--model karpathy/other:")
        .contains("not in the hub cache")
        .contains("HF_HUB_OFFLINE");

    // online: downloads from the local hub into an empty cache
    try (HubTestServer hub = new HubTestServer()) {
      hub.commit(
          "models/org/stories",
          HubDownloaderTest.COMMIT_NEW,
          "main",
          HubDownloaderTest.storiesFiles());
      System.setProperty("HF_HUB_CACHE", tmp.resolve("fresh").toString());
      System.clearProperty("HF_HUB_OFFLINE");
      System.setProperty("HF_ENDPOINT", hub.endpoint());
      Run online = generate("org/stories@main");
      assertThat(online.code()).as(online.err()).isZero();
      assertThat(online.out()).isEqualTo(local.out());
      assertThat(hub.count("GET /cdn/")).isEqualTo(2); // model.safetensors, tokenizer.model
      assertThat(
              tmp.resolve(
                  "fresh/models--org--stories/snapshots/"
                      + HubDownloaderTest.COMMIT_NEW
                      + "/model.safetensors"))
          .exists();
      assertThat(Files.readString(tmp.resolve("fresh/models--org--stories/refs/main")))
          .isEqualTo(HubDownloaderTest.COMMIT_NEW);
    }
  }
}
