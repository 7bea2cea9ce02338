package org.peftbench.harness.results;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvenanceTest {
  @Test
  void commitReadFromDotGitMatchesGitRevParse() throws Exception {
    Path cwd = Path.of("").toAbsolutePath();
    String ours = Provenance.gitCommit(cwd);
    Assumptions.assumeTrue(ours != null, "not inside a git checkout");
    Process p;
    try {
      p = new ProcessBuilder("git", "rev-parse", "HEAD").directory(cwd.toFile()).start();
    } catch (java.io.IOException e) {
      Assumptions.abort("git is not installed");
      return;
    }
    String theirs = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    Assumptions.assumeTrue(p.waitFor() == 0);
    assertThat(ours).isEqualTo(theirs).matches("[0-9a-f]{40}");
  }

  @Test
  void packedRefsAndDetachedHead(@TempDir Path tmp) throws Exception {
    Path git = Files.createDirectories(tmp.resolve(".git"));
    Files.writeString(git.resolve("HEAD"), "ref: refs/heads/main\n");
    String sha = "0123456789abcdef0123456789abcdef01234567";
    Files.writeString(git.resolve("packed-refs"), "# pack-refs\n" + sha + " refs/heads/main\n");
    assertThat(Provenance.gitCommit(Files.createDirectories(tmp.resolve("a/b")))).isEqualTo(sha);
    Files.writeString(git.resolve("HEAD"), "fedcba9876543210fedcba9876543210fedcba98\n");
    assertThat(Provenance.gitCommit(tmp)).isEqualTo("fedcba9876543210fedcba9876543210fedcba98");
  }

  @Test
  void atomicWriteLeavesNoTempFiles(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("x/result.json");
    ResultStore.writeAtomically(f, "{\"a\": 1}");
    ResultStore.writeAtomically(f, "{\"a\": 2}");
    assertThat(Files.readString(f)).isEqualTo("{\"a\": 2}");
    try (var s = Files.list(f.getParent())) {
      assertThat(s.toList()).containsExactly(f);
    }
    assertThat(Provenance.sha256(f)).hasSize(64);
  }
}
