package org.peftbench.harness.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.peftbench.harness.results.ResultStore;

/**
 * One repository's folder in the hub cache, in the layout huggingface_hub writes and reads:
 *
 * <pre>
 * &lt;cache&gt;/models--org--name/
 *   refs/&lt;revision&gt;                 the commit a branch or tag pointed to (no newline)
 *   blobs/&lt;etag&gt;                     file contents, named by ETag: the sha256 of an LFS file,
 *                                   the git blob sha1 of any other file
 *   snapshots/&lt;commit&gt;/&lt;path&gt;       relative symlinks into ../../blobs (one per file)
 * &lt;cache&gt;/.locks/models--org--name/&lt;etag&gt;.lock   one writer per blob
 * </pre>
 */
public final class HubCache {
  private final Path cacheRoot;
  private final HubId id;

  public HubCache(Path cacheRoot, HubId id) {
    this.cacheRoot = cacheRoot;
    this.id = id;
  }

  public Path repoDir() {
    return cacheRoot.resolve(id.cacheFolder());
  }

  /** The commit {@code revision} resolves to in the cache (a commit is itself), if known. */
  public Optional<String> commitFor(String revision) {
    if (HubId.isCommit(revision)) {
      return Optional.of(revision);
    }
    Path ref = repoDir().resolve("refs").resolve(revision);
    try {
      return Files.isRegularFile(ref)
          ? Optional.of(Files.readString(ref).trim()).filter(s -> !s.isEmpty())
          : Optional.empty();
    } catch (IOException e) {
      throw new HubException(ref + ": unreadable: " + e.getMessage(), e);
    }
  }

  public Path snapshot(String commit) {
    return repoDir().resolve("snapshots").resolve(commit);
  }

  public Path blob(String etag) {
    return repoDir().resolve("blobs").resolve(etag);
  }

  public Path lockFile(String etag) {
    return cacheRoot.resolve(".locks").resolve(id.cacheFolder()).resolve(etag + ".lock");
  }

  /** Records that {@code revision} (a branch or tag) points at {@code commit}. */
  public void writeRef(String revision, String commit) throws IOException {
    ResultStore.writeAtomically(repoDir().resolve("refs").resolve(revision), commit);
  }

  /**
   * Makes {@code snapshots/<commit>/<file>} a relative symlink to {@code blobs/<etag>}, as the
   * Python tools do (a copy where the file system has no symlinks).
   */
  public void link(String commit, String file, String etag) throws IOException {
    Path target = snapshot(commit).resolve(file);
    Files.createDirectories(target.getParent());
    Path blob = blob(etag);
    Files.deleteIfExists(target);
    try {
      Files.createSymbolicLink(target, target.getParent().relativize(blob));
    } catch (UnsupportedOperationException e) {
      Files.copy(blob, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
