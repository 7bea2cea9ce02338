package org.peftbench.harness.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a cache entry by hand exactly as huggingface_hub lays one out (refs/main without a
 * newline, blobs named by sha256 or git sha1, relative symlinks from the snapshot): a cache "filled
 * by the Python tools" that the Java side must read as it is.
 */
final class PythonLayout {
  private PythonLayout() {}

  static Path fill(Path cache, String repo, String commit, Path source, List<String> files)
      throws IOException {
    Path dir = cache.resolve("models--" + repo.replace("/", "--"));
    Files.createDirectories(dir.resolve("refs"));
    Files.writeString(dir.resolve("refs/main"), commit);
    Path snap = dir.resolve("snapshots").resolve(commit);
    Files.createDirectories(snap);
    Files.createDirectories(dir.resolve("blobs"));
    for (String f : files) {
      byte[] b = Files.readAllBytes(source.resolve(f));
      String etag = HubTestServer.isLfs(f) ? HubTestServer.sha256(b) : HubTestServer.gitSha1(b);
      Files.write(dir.resolve("blobs").resolve(etag), b);
      Files.createSymbolicLink(snap.resolve(f), Path.of("../../blobs/" + etag));
    }
    return snap;
  }
}
