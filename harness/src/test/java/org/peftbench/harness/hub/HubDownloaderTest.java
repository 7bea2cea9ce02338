package org.peftbench.harness.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.peftbench.datasets.DataDir;

/**
 * The hub client against a hub in miniature on 127.0.0.1 serving stories260K's files: the cache
 * layout the Python tools write, resumed and corrupt downloads, offline mode, revision pinning,
 * gated and missing repos, and dataset repos.
 */
class HubDownloaderTest {
  static final String COMMIT_OLD = "a".repeat(40);
  static final String COMMIT_NEW = "b".repeat(40);
  static final List<String> FILES =
      List.of(
          "config.json",
          "generation_config.json",
          "model.safetensors",
          "special_tokens_map.json",
          "tokenizer.model",
          "tokenizer_config.json");

  @TempDir Path tmp;
  HubTestServer hub;
  Path cache;
  ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
  PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

  static Path stories() {
    Path p =
        Path.of(System.getProperty("peftbench.shared", "../../shared"))
            .resolve("models/stories260K");
    Assumptions.assumeTrue(Files.isDirectory(p), "../shared/models/stories260K not available");
    return p.toAbsolutePath().normalize();
  }

  static Map<String, byte[]> storiesFiles() throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String f : FILES) {
      files.put(f, Files.readAllBytes(stories().resolve(f)));
    }
    files.put("pytorch_model.bin", new byte[] {1, 2, 3}); // never wanted: not safetensors
    return files;
  }

  @BeforeEach
  void start() throws IOException {
    hub = new HubTestServer();
    Map<String, byte[]> old = storiesFiles();
    old.put("config.json", "{\"old\": true}".getBytes(StandardCharsets.UTF_8));
    hub.commit("models/org/stories", COMMIT_OLD, "v1", old);
    hub.commit("models/org/stories", COMMIT_NEW, "main", storiesFiles());
    cache = tmp.resolve("hub");
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  HubSettings online() {
    return new HubSettings(cache, hub.endpoint(), "hf_secret", false);
  }

  HubSettings offline() {
    return new HubSettings(cache, hub.endpoint(), null, true);
  }

  Path model(String spec, HubSettings s) {
    return HubRepos.model(spec, s, log);
  }

  @Test
  void downloadsIntoTheLayoutThePythonToolsWrite() throws Exception {
    Path snap = model("org/stories", online());
    Path repo = cache.resolve("models--org--stories");
    assertThat(snap).isEqualTo(repo.resolve("snapshots").resolve(COMMIT_NEW));
    assertThat(Files.readString(repo.resolve("refs/main"))).isEqualTo(COMMIT_NEW); // no newline
    for (String f : FILES) {
      Path link = snap.resolve(f);
      byte[] want = Files.readAllBytes(stories().resolve(f));
      String etag =
          HubTestServer.isLfs(f) ? HubTestServer.sha256(want) : HubTestServer.gitSha1(want);
      assertThat(Files.isSymbolicLink(link)).as(f).isTrue();
      assertThat(Files.readSymbolicLink(link).toString()).isEqualTo("../../blobs/" + etag);
      assertThat(Files.readAllBytes(link)).as(f).isEqualTo(want);
    }
    assertThat(snap.resolve("pytorch_model.bin")).doesNotExist();
    assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("downloaded model.safetensors");

    // a second resolve asks the hub for the commit only: every file is cached
    hub.log.clear();
    assertThat(model("org/stories", online())).isEqualTo(snap);
    assertThat(hub.log).containsExactly("GET /api/models/org/stories/revision/main");
  }

  @Test
  void anInterruptedDownloadResumesWithARangeRequest() throws Exception {
    hub.cutNextDownloads.set(1);
    hub.cutAfterBytes = 300_000;
    Path snap = model("org/stories", online());
    byte[] weights = Files.readAllBytes(stories().resolve("model.safetensors"));
    assertThat(Files.readAllBytes(snap.resolve("model.safetensors"))).isEqualTo(weights);
    String sha = HubTestServer.sha256(weights);
    String tokSha = HubTestServer.sha256(Files.readAllBytes(stories().resolve("tokenizer.model")));
    // whichever LFS file came first was cut, then resumed from what had arrived (at most the
    // bytes the server sent before hanging up: a reset connection may lose some in flight)
    assertThat(hub.log)
        .anyMatch(
            l -> {
              for (String s : List.of(sha, tokSha)) {
                String prefix = "GET /cdn/" + s + " bytes=";
                if (l.startsWith(prefix)) {
                  long from = Long.parseLong(l.substring(prefix.length(), l.length() - 1));
                  return from > 0 && from <= 300_000;
                }
              }
              return false;
            });
    assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("interrupted at", "resuming");
  }

  @Test
  void aPartLeftByFailedAttemptsIsResumedByTheNextRun() throws Exception {
    hub.cutNextDownloads.set(HubDownloader.ATTEMPTS);
    hub.cutAfterBytes = 1000;
    assertThatThrownBy(() -> model("org/stories", online()))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("interrupted " + HubDownloader.ATTEMPTS + " times")
        .hasMessageContaining(".incomplete");
    Path blobs = cache.resolve("models--org--stories/blobs");
    Path part;
    try (var s = Files.list(blobs)) {
      part = s.filter(p -> p.toString().endsWith(".incomplete")).findFirst().orElseThrow();
    }
    long kept = Files.size(part); // what arrived of the 3 x 1000 bytes sent
    assertThat(kept).isBetween(1L, 1000L * HubDownloader.ATTEMPTS);
    String sha = part.getFileName().toString().replace(".incomplete", "");

    hub.log.clear();
    Path snap = model("org/stories", online());
    assertThat(hub.log).contains("GET /cdn/" + sha + " bytes=" + kept + "-");
    assertThat(part).doesNotExist();
    assertThat(HubTestServer.sha256(Files.readAllBytes(blobs.resolve(sha)))).isEqualTo(sha);
    assertThat(snap.resolve("model.safetensors")).exists();
  }

  @Test
  void aWrongChecksumIsRefusedAndLeavesNothingBehind() throws Exception {
    hub.corrupt = true;
    assertThatThrownBy(() -> model("org/stories", online()))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("checksum mismatch: expected sha256");
    Path repo = cache.resolve("models--org--stories");
    try (var s = Files.list(repo.resolve("blobs"))) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.endsWith(".incomplete"))
          .allMatch(n -> n.length() == 40); // only the small git files got in
    }
    assertThat(repo.resolve("refs/main")).doesNotExist();

    hub.corrupt = false;
    Path snap = model("org/stories", online());
    assertThat(Files.readAllBytes(snap.resolve("model.safetensors")))
        .isEqualTo(Files.readAllBytes(stories().resolve("model.safetensors")));
  }

  @Test
  void offlineModeUsesOnlyTheCache() {
    assertThatThrownBy(() -> model("org/stories", offline()))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("not in the hub cache")
        .hasMessageContaining("HF_HUB_OFFLINE");
    assertThat(hub.log).isEmpty();

    Path snap = model("org/stories", online());
    hub.log.clear();
    assertThat(model("org/stories", offline())).isEqualTo(snap);
    assertThat(model("org/stories@" + COMMIT_NEW, offline())).isEqualTo(snap);
    assertThat(hub.log).isEmpty();
    assertThatThrownBy(() -> model("org/stories@v1", offline())).hasMessageContaining("no refs/v1");
  }

  @Test
  void aRevisionPinsTheCommit() throws Exception {
    Path pinned = model("org/stories@" + COMMIT_OLD, online());
    assertThat(pinned.getFileName().toString()).isEqualTo(COMMIT_OLD);
    assertThat(Files.readString(pinned.resolve("config.json"))).isEqualTo("{\"old\": true}");
    Path repo = cache.resolve("models--org--stories");
    assertThat(repo.resolve("refs")).doesNotExist(); // a commit needs no ref

    Path tagged = model("org/stories@v1", online());
    assertThat(tagged).isEqualTo(pinned);
    assertThat(Files.readString(repo.resolve("refs/v1"))).isEqualTo(COMMIT_OLD);
    Path latest = model("org/stories", online());
    assertThat(latest.getFileName().toString()).isEqualTo(COMMIT_NEW);
    assertThat(Files.readString(latest.resolve("config.json")))
        .isEqualTo(Files.readString(stories().resolve("config.json")));
    // the weights are one blob shared by both snapshots
    assertThat(Files.readSymbolicLink(latest.resolve("model.safetensors")))
        .isEqualTo(Files.readSymbolicLink(pinned.resolve("model.safetensors")));
  }

  @Test
  void aCacheFilledByThePythonToolsIsUsedAsItIs() throws Exception {
    Path snap = PythonLayout.fill(cache, "org/prefilled", COMMIT_NEW, stories(), FILES);
    assertThat(model("org/prefilled", offline())).isEqualTo(snap);
    // online, with the hub unreachable: the cached snapshot, with a warning
    HubSettings unreachable = new HubSettings(cache, "http://127.0.0.1:9", null, false);
    assertThat(model("org/prefilled", unreachable)).isEqualTo(snap);
    assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("unreachable");
    assertThat(hub.log).isEmpty();
  }

  @Test
  void gatedAndMissingReposSayWhatToDo() {
    hub.gated.add("models/org/stories");
    assertThatThrownBy(() -> model("org/stories", online()))
        .isInstanceOf(HubException.class)
        .hasMessageContaining("access denied (HTTP 401, GatedRepo)")
        .hasMessageContaining("gated or private")
        .hasMessageContaining("HF_TOKEN");
    assertThatThrownBy(() -> model("org/nothing", online()))
        .hasMessageContaining("not found on " + hub.endpoint())
        .hasMessageContaining("no model repo 'org/nothing'");
    hub.gated.clear();
    assertThatThrownBy(() -> model("org/stories@nobranch", online()))
        .hasMessageContaining("no revision 'nobranch'");
  }

  @Test
  void aDatasetRepoGivesTheParquetFilesOfTheSuiteTasks() throws Exception {
    byte[] parquet = "PAR1 not really PAR1".getBytes(StandardCharsets.UTF_8);
    hub.commit(
        "datasets/org/glue",
        COMMIT_NEW,
        "main",
        Map.of(
            "copa/train-00000-of-00001.parquet", parquet,
            "copa/validation-00000-of-00001.parquet", parquet,
            "rte/train-00000-of-00001.parquet", parquet,
            "README.md", "# card".getBytes(StandardCharsets.UTF_8)));
    Path snap = HubRepos.dataset("hf://datasets/org/glue", List.of("copa"), online(), log);
    assertThat(snap).isEqualTo(cache.resolve("datasets--org--glue/snapshots/" + COMMIT_NEW));
    assertThat(new DataDir(snap).splits("copa")).containsOnlyKeys("train", "validation");
    assertThat(snap.resolve("rte")).doesNotExist();
    assertThat(hub.log).contains("GET /api/datasets/org/glue/revision/main");
  }

  @Test
  void settingsFollowTheEnvironmentVariablesOfTheHubLibraries() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HF_HOME", "/x/hf");
    HubSettings s = HubSettings.from(env::get);
    assertThat(s.cache()).isEqualTo(Path.of("/x/hf/hub"));
    assertThat(s.endpoint()).isEqualTo("https://huggingface.co");
    assertThat(s.offline()).isFalse();
    env.put("HF_HUB_CACHE", "/y/cache");
    env.put("HF_ENDPOINT", "http://127.0.0.1:1/");
    env.put("HF_HUB_OFFLINE", "1");
    env.put("HF_TOKEN", "hf_abc");
    s = HubSettings.from(env::get);
    assertThat(s.cache()).isEqualTo(Path.of("/y/cache"));
    assertThat(s.endpoint()).isEqualTo("http://127.0.0.1:1");
    assertThat(s.offline()).isTrue();
    assertThat(s.token()).isEqualTo("hf_abc");
    assertThat(s.toString()).doesNotContain("hf_abc");
    assertThat(HubId.looksLike("meta-llama/Llama-3.2-1B-Instruct@main")).isTrue();
    assertThat(HubId.looksLike("../shared/models/x")).isFalse();
    assertThat(HubId.looksLike("/abs/path")).isFalse();
  }
}
