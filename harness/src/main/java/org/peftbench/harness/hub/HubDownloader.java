package org.peftbench.harness.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Fills the hub cache the way huggingface_hub's {@code snapshot_download} does, so either side can
 * use what the other downloaded.
 *
 * <ol>
 *   <li>Ask {@code GET <endpoint>/api/{models|datasets}/<repo>/revision/<rev>} for the commit the
 *       revision points to and the repo's file list.
 *   <li>Per wanted file not yet in {@code snapshots/<commit>/}: {@code HEAD
 *       <endpoint>/<repo>/resolve/<commit>/<file>} without following redirects to the CDN; the
 *       headers give the commit ({@code X-Repo-Commit}), the blob's name ({@code X-Linked-Etag} for
 *       LFS files, the sha256; else {@code ETag}, the git blob sha1) and its size ({@code
 *       X-Linked-Size} or {@code Content-Length}). Relative redirects (a renamed repo) are
 *       followed.
 *   <li>Download into {@code blobs/<etag>.incomplete}, resuming with {@code Range} where a partial
 *       file is left (also after a connection drops, up to {@link #ATTEMPTS} tries), check the size
 *       and the hash (sha256 for LFS, git's sha1 otherwise), rename to {@code blobs/<etag>} and
 *       link it from the snapshot. One process per blob at a time ({@code .locks/}).
 *   <li>Record the branch or tag in {@code refs/<rev>}.
 * </ol>
 *
 * The token goes only to the endpoint's host, never to the CDN a download is redirected to.
 */
public final class HubDownloader {
  /** Tries per file; each retry resumes where the last one stopped. */
  static final int ATTEMPTS = 3;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final int MAX_REDIRECTS = 5;

  private final HubSettings settings;
  private final PrintStream log;
  private final boolean tty;
  private final HttpClient http;

  public HubDownloader(HubSettings settings, PrintStream log, boolean tty) {
    this.settings = settings;
    this.log = log;
    this.tty = tty;
    this.http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  /** What the hub says a revision holds. */
  record RepoInfo(String commit, List<String> files) {}

  /** The headers of one file's resolve URL. */
  record FileMeta(String commit, String etag, long size, URI location) {}

  /**
   * The snapshot folder of {@code id}, with every file {@code wanted} accepts present: taken from
   * the cache when it is complete there, downloaded otherwise. With HF_HUB_OFFLINE only the cache
   * is used; when the hub cannot be reached, a cached snapshot of the revision is used as it is.
   */
  public Path snapshot(HubId id, Predicate<String> wanted) {
    HubCache cache = new HubCache(settings.cache(), id);
    Optional<Path> cached = cache.commitFor(id.revision()).map(cache::snapshot);
    if (settings.offline()) {
      if (cached.isPresent() && Files.isDirectory(cached.get())) {
        return cached.get();
      }
      throw new HubException(
          id
              + " is not in the hub cache "
              + cache.repoDir()
              + (cached.isEmpty()
                  ? " (no refs/" + id.revision() + ")"
                  : " (no " + cached.get() + ")")
              + " and HF_HUB_OFFLINE is set; download it once without HF_HUB_OFFLINE"
              + " (or with huggingface-cli download "
              + id.repo()
              + ")");
    }
    RepoInfo info;
    try {
      info = repoInfo(id);
    } catch (IOException e) {
      if (cached.isPresent() && Files.isDirectory(cached.get())) {
        log.println(
            "warning: "
                + settings.endpoint()
                + " unreachable ("
                + e.getMessage()
                + "); using the cached snapshot of "
                + id);
        return cached.get();
      }
      throw new HubException(
          "cannot reach " + settings.endpoint() + " for " + id + ": " + describe(e), e);
    }
    Path snap = cache.snapshot(info.commit());
    for (String file : info.files()) {
      if (wanted.test(file) && !Files.exists(snap.resolve(file))) {
        fetchFile(id, info.commit(), file, cache);
      }
    }
    try {
      Files.createDirectories(snap);
      if (!id.pinnedToCommit()) {
        cache.writeRef(id.revision(), info.commit());
      }
    } catch (IOException e) {
      throw new HubException("cannot write into the hub cache " + cache.repoDir() + ": " + e, e);
    }
    return snap;
  }

  RepoInfo repoInfo(HubId id) throws IOException {
    URI uri =
        URI.create(
            settings.endpoint()
                + id.type().apiPrefix
                + id.repo()
                + "/revision/"
                + URLEncoder.encode(id.revision(), StandardCharsets.UTF_8));
    HttpResponse<byte[]> r =
        send(request(uri).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    check(id, r, null);
    JsonNode body = JSON.readTree(r.body());
    String commit = body.path("sha").asText("");
    if (!HubId.isCommit(commit)) {
      throw new HubException(uri + ": the answer names no commit ('sha'); not a hub endpoint?");
    }
    List<String> files = new ArrayList<>();
    for (JsonNode s : body.path("siblings")) {
      files.add(s.path("rfilename").asText());
    }
    return new RepoInfo(commit, files);
  }

  FileMeta fileMeta(HubId id, String commit, String file) throws IOException {
    URI uri = resolveUrl(id, commit, file);
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpResponse<Void> r =
          send(
              request(uri).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
              HttpResponse.BodyHandlers.discarding());
      int code = r.statusCode();
      Optional<String> location = r.headers().firstValue("Location");
      if (code >= 300 && code < 400 && location.isPresent()) {
        URI next = uri.resolve(location.get());
        if (location.get().startsWith("/")) { // same host: a renamed repo; ask there
          uri = next;
          continue;
        }
        return meta(id, file, r, next); // the CDN: the hub's headers already say it all
      }
      check(id, r, file);
      return meta(id, file, r, uri);
    }
    throw new HubException(file + " of " + id + ": more than " + MAX_REDIRECTS + " redirects");
  }

  private FileMeta meta(HubId id, String file, HttpResponse<?> r, URI location) {
    var h = r.headers();
    String commit = h.firstValue("X-Repo-Commit").orElse(null);
    String etag = h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).orElse(null);
    long size =
        h.firstValue("X-Linked-Size")
            .or(() -> h.firstValue("Content-Length"))
            .map(Long::parseLong)
            .orElse(-1L);
    if (commit == null || etag == null) {
      throw new HubException(
          file
              + " of "
              + id
              + ": the server sent no "
              + (commit == null ? "X-Repo-Commit" : "ETag")
              + " header; is "
              + settings.endpoint()
              + " a Hugging Face hub?");
    }
    return new FileMeta(commit, normalizeEtag(etag), size, location);
  }

  /** {@code W/"abc"} or {@code "abc"} to {@code abc}. */
  static String normalizeEtag(String etag) {
    String e = etag.startsWith("W/") ? etag.substring(2) : etag;
    return e.replace("\"", "");
  }

  private void fetchFile(HubId id, String commit, String file, HubCache cache) {
    try {
      FileMeta meta = fileMeta(id, commit, file);
      Path blob = cache.blob(meta.etag());
      Files.createDirectories(blob.getParent());
      Path lock = cache.lockFile(meta.etag());
      Files.createDirectories(lock.getParent());
      try (FileChannel ch =
              FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock held = ch.lock()) {
        if (!Files.isRegularFile(blob)) {
          download(id, file, meta, blob);
        }
      }
      cache.link(commit, file, meta.etag());
    } catch (IOException e) {
      throw new HubException(file + " of " + id + ": " + describe(e), e);
    }
  }

  private void download(HubId id, String file, FileMeta meta, Path blob) throws IOException {
    Path part = blob.resolveSibling(blob.getFileName() + ".incomplete");
    IOException last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        transfer(id, file, meta, part);
        last = null;
        break;
      } catch (IOException e) {
        last = e;
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        log.println(
            "download of "
                + file
                + " interrupted at "
                + have
                + " of "
                + meta.size()
                + " bytes ("
                + describe(e)
                + ")"
                + (attempt < ATTEMPTS ? "; resuming" : ""));
      }
    }
    if (last != null) {
      throw new HubException(
          "download interrupted "
              + ATTEMPTS
              + " times ("
              + describe(last)
              + "); the part is kept in "
              + part
              + " and the next attempt resumes it",
          last);
    }
    long got = Files.size(part);
    if (meta.size() >= 0 && got != meta.size()) {
      Files.delete(part);
      throw new HubException(
          "size mismatch: expected " + meta.size() + " bytes, got " + got + "; deleted the part");
    }
    String actual = Checksums.ofBlob(part, meta.etag());
    if (actual != null && !actual.equals(meta.etag())) {
      Files.delete(part);
      throw new HubException(
          "checksum mismatch: expected "
              + Checksums.kind(meta.etag())
              + " "
              + meta.etag()
              + ", got "
              + actual
              + "; deleted the corrupt download, try again");
    }
    Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
  }

  /** One GET of the file into {@code part}, from its current length on. */
  private void transfer(HubId id, String file, FileMeta meta, Path part) throws IOException {
    long have = Files.isRegularFile(part) ? Files.size(part) : 0;
    if (meta.size() >= 0 && have >= meta.size()) {
      return; // complete already; the checks follow
    }
    URI uri = meta.location();
    HttpResponse<InputStream> r = null;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder b = request(uri).GET();
      if (have > 0) {
        b.header("Range", "bytes=" + have + "-");
      }
      r = send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      Optional<String> location = r.headers().firstValue("Location");
      if (r.statusCode() >= 300 && r.statusCode() < 400 && location.isPresent()) {
        r.body().close();
        uri = uri.resolve(location.get());
        continue;
      }
      break;
    }
    int code = r.statusCode();
    boolean append = code == 206;
    if (code != 200 && code != 206) {
      r.body().close();
      check(id, r, file);
      throw new IOException("HTTP " + code + " for " + uri);
    }
    if (!append) {
      have = 0; // the server ignored the range: start over
    }
    DownloadProgress bar = new DownloadProgress(log, tty, file, meta.size(), have);
    try (InputStream in = r.body();
        OutputStream out =
            Files.newOutputStream(
                part,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
      byte[] buf = new byte[1 << 16];
      long done = have;
      for (int n; (n = in.read(buf)) > 0; ) {
        out.write(buf, 0, n);
        done += n;
        bar.update(done);
      }
      out.flush();
      if (meta.size() >= 0 && done < meta.size()) {
        throw new IOException("connection closed after " + done + " of " + meta.size() + " bytes");
      }
      bar.finish(done);
    }
  }

  private URI resolveUrl(HubId id, String commit, String file) {
    StringBuilder path = new StringBuilder();
    for (String seg : file.split("/")) {
      if (!path.isEmpty()) {
        path.append('/');
      }
      path.append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return URI.create(
        settings.endpoint()
            + "/"
            + id.type().urlPrefix
            + id.repo()
            + "/resolve/"
            + commit
            + "/"
            + path);
  }

  /** A request with the hub's headers; the token only for the endpoint's own host. */
  private HttpRequest.Builder request(URI uri) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(TIMEOUT)
            .header("User-Agent", "peftbench-hub/1")
            .header("Accept-Encoding", "identity");
    URI endpoint = URI.create(settings.endpoint());
    if (settings.token() != null
        && endpoint.getHost() != null
        && endpoint.getHost().equalsIgnoreCase(uri.getHost())
        && endpoint.getPort() == uri.getPort()) {
      b.header("Authorization", "Bearer " + settings.token());
    }
    return b;
  }

  private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> body)
      throws IOException {
    try {
      return http.send(req, body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Turns the hub's error answers into one clear line. */
  private void check(HubId id, HttpResponse<?> r, String file) {
    int code = r.statusCode();
    if (code >= 200 && code < 300) {
      return;
    }
    String errorCode = r.headers().firstValue("X-Error-Code").orElse("");
    String what = file == null ? id.toString() : file + " of " + id;
    String kind = id.type() == HubId.Type.DATASET ? "dataset" : "model";
    if (code == 401 || code == 403 || errorCode.equals("GatedRepo")) {
      throw new HubException(
          what
              + ": access denied (HTTP "
              + code
              + (errorCode.isEmpty() ? "" : ", " + errorCode)
              + "): the "
              + kind
              + " is gated or private. Accept its terms on the hub and set HF_TOKEN"
              + (settings.token() == null
                  ? " (no token is set)"
                  : " (the token set has no access)"));
    }
    if (code == 404) {
      String why =
          switch (errorCode) {
            case "RevisionNotFound" -> "no revision '" + id.revision() + "'";
            case "EntryNotFound" -> "no such file in the repo";
            default -> "no " + kind + " repo '" + id.repo() + "'";
          };
      throw new HubException(what + ": not found on " + settings.endpoint() + " (" + why + ")");
    }
    throw new HubException(what + ": HTTP " + code + " from " + settings.endpoint());
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
