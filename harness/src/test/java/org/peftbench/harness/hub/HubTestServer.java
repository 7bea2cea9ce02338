package org.peftbench.harness.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Hugging Face hub in miniature, on 127.0.0.1 only: the API's revision endpoint, resolve URLs
 * with the hub's headers (X-Repo-Commit; ETag = git blob sha1 for small files; LFS files answer 302
 * to a CDN path with X-Linked-Etag = sha256 and X-Linked-Size), and a CDN that honours Range. Knobs
 * make it drop connections mid-file, corrupt LFS bytes, or gate a repo.
 */
final class HubTestServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One repo: commits (file name to bytes) and branches/tags (name to commit). */
  static final class Repo {
    final Map<String, Map<String, byte[]>> commits = new LinkedHashMap<>();
    final Map<String, String> refs = new LinkedHashMap<>();
  }

  final Map<String, Repo> repos = new ConcurrentHashMap<>(); // "models/org/name" or "datasets/..."
  final Set<String> gated = ConcurrentHashMap.newKeySet();
  final Map<String, byte[]> cdn = new ConcurrentHashMap<>(); // sha256 -> bytes
  final List<String> log = Collections.synchronizedList(new ArrayList<>());

  /** The next this many CDN answers send only {@link #cutAfterBytes} bytes, then hang up. */
  final AtomicInteger cutNextDownloads = new AtomicInteger();

  volatile int cutAfterBytes = 1000;

  /** Flip one byte of every CDN answer (a corrupt mirror). */
  volatile boolean corrupt;

  private final HttpServer server;

  HubTestServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Adds a commit of {@code repo} (e.g. "models/org/name") and points {@code ref} at it. */
  void commit(String repo, String commit, String ref, Map<String, byte[]> files) {
    Repo r = repos.computeIfAbsent(repo, k -> new Repo());
    r.commits.put(commit, files);
    if (ref != null) {
      r.refs.put(ref, commit);
    }
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      if (isLfs(f.getKey())) {
        cdn.put(sha256(f.getValue()), f.getValue());
      }
    }
  }

  static boolean isLfs(String file) {
    return file.endsWith(".safetensors") || file.endsWith(".model") || file.endsWith(".parquet");
  }

  int count(String prefix) {
    synchronized (log) {
      return (int) log.stream().filter(s -> s.startsWith(prefix)).count();
    }
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String path = URLDecoder.decode(x.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
      String range = x.getRequestHeaders().getFirst("Range");
      log.add(x.getRequestMethod() + " " + path + (range == null ? "" : " " + range));
      if (path.startsWith("/cdn/")) {
        serveCdn(x, path.substring(5), range);
      } else if (path.startsWith("/api/")) {
        serveApi(x, path.substring(5));
      } else {
        serveResolve(x, path.substring(1));
      }
    }
  }

  /** /api/{models|datasets}/org/name/revision/rev */
  private void serveApi(HttpExchange x, String p) throws IOException {
    int rev = p.indexOf("/revision/");
    String repoKey = p.substring(0, rev);
    if (gated.contains(repoKey)) {
      error(x, 401, "GatedRepo");
      return;
    }
    Repo repo = repos.get(repoKey);
    if (repo == null) {
      error(x, 404, "RepoNotFound");
      return;
    }
    String commit = commitOf(repo, p.substring(rev + "/revision/".length()));
    if (commit == null) {
      error(x, 404, "RevisionNotFound");
      return;
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("id", repoKey.substring(repoKey.indexOf('/') + 1));
    body.put("sha", commit);
    var siblings = body.putArray("siblings");
    for (String f : repo.commits.get(commit).keySet()) {
      siblings.addObject().put("rfilename", f);
    }
    send(x, 200, JSON.writeValueAsBytes(body));
  }

  /** [datasets/]org/name/resolve/rev/file */
  private void serveResolve(HttpExchange x, String p) throws IOException {
    int at = p.indexOf("/resolve/");
    if (at < 0) {
      error(x, 404, "");
      return;
    }
    String repoKey = p.substring(0, at);
    repoKey = repoKey.startsWith("datasets/") ? repoKey : "models/" + repoKey;
    if (gated.contains(repoKey)) {
      error(x, 403, "GatedRepo");
      return;
    }
    Repo repo = repos.get(repoKey);
    String rest = p.substring(at + "/resolve/".length());
    String commit = repo == null ? null : commitOf(repo, rest.substring(0, rest.indexOf('/')));
    byte[] data =
        commit == null ? null : repo.commits.get(commit).get(rest.substring(rest.indexOf('/') + 1));
    if (data == null) {
      error(x, 404, commit == null ? "RevisionNotFound" : "EntryNotFound");
      return;
    }
    x.getResponseHeaders().add("X-Repo-Commit", commit);
    String file = rest.substring(rest.indexOf('/') + 1);
    if (isLfs(file)) {
      String sha = sha256(data);
      x.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
      x.getResponseHeaders().add("X-Linked-Size", Long.toString(data.length));
      x.getResponseHeaders().add("ETag", "\"" + gitSha1(new byte[0]) + "\""); // the pointer's
      x.getResponseHeaders().add("Location", endpoint() + "/cdn/" + sha);
      x.sendResponseHeaders(302, -1);
      return;
    }
    x.getResponseHeaders().add("ETag", "\"" + gitSha1(data) + "\"");
    if (x.getRequestMethod().equals("HEAD")) {
      x.getResponseHeaders().add("Content-Length", Long.toString(data.length));
      x.sendResponseHeaders(200, -1);
    } else {
      send(x, 200, data);
    }
  }

  private void serveCdn(HttpExchange x, String sha, String range) throws IOException {
    byte[] data = cdn.get(sha);
    if (data == null) {
      error(x, 404, "");
      return;
    }
    if (corrupt) {
      data = data.clone();
      data[data.length / 2] ^= 1;
    }
    int from = 0;
    if (range != null && range.startsWith("bytes=")) {
      from = Integer.parseInt(range.substring(6, range.indexOf('-')));
      x.getResponseHeaders()
          .add("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
    }
    int length = data.length - from;
    x.sendResponseHeaders(range != null ? 206 : 200, length);
    OutputStream out = x.getResponseBody();
    if (cutNextDownloads.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      out.write(data, from, Math.min(cutAfterBytes, length));
      out.flush();
      // hang up mid-body: the client sees fewer bytes than Content-Length
      throw new IOException("cut");
    }
    out.write(data, from, length);
  }

  private String commitOf(Repo repo, String rev) {
    if (repo.commits.containsKey(rev)) {
      return rev;
    }
    return repo.refs.get(rev);
  }

  private static void error(HttpExchange x, int code, String errorCode) throws IOException {
    if (!errorCode.isEmpty()) {
      x.getResponseHeaders().add("X-Error-Code", errorCode);
    }
    send(x, code, ("{\"error\":\"" + errorCode + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange x, int code, byte[] body) throws IOException {
    if (x.getRequestMethod().equals("HEAD")) {
      x.sendResponseHeaders(code, -1);
      return;
    }
    x.sendResponseHeaders(code, body.length);
    x.getResponseBody().write(body);
  }

  static String sha256(byte[] b) {
    return hex("SHA-256", new byte[0], b);
  }

  static String gitSha1(byte[] b) {
    return hex("SHA-1", ("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII), b);
  }

  private static String hex(String alg, byte[] header, byte[] b) {
    try {
      MessageDigest md = MessageDigest.getInstance(alg);
      md.update(header);
      return HexFormat.of().formatHex(md.digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
