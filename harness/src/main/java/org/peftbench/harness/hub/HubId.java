package org.peftbench.harness.hub;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A repository on the Hugging Face hub and the revision wanted: {@code org/name} (revision {@code
 * main}) or {@code org/name@revision}, where the revision is a branch, a tag or a 40-hex commit.
 *
 * @param type model or dataset repository
 * @param repo {@code org/name}
 * @param revision branch, tag or commit
 */
public record HubId(Type type, String repo, String revision) {
  /** The two repository kinds this project reads; each has its own cache prefix and URLs. */
  public enum Type {
    MODEL("models", "", "/api/models/"),
    DATASET("datasets", "datasets/", "/api/datasets/");

    /** Cache folder prefix: {@code models--org--name}. */
    final String cachePrefix;

    /** Path prefix of the resolve URLs: {@code <endpoint>/<urlPrefix>org/name/resolve/...}. */
    final String urlPrefix;

    final String apiPrefix;

    Type(String cachePrefix, String urlPrefix, String apiPrefix) {
      this.cachePrefix = cachePrefix;
      this.urlPrefix = urlPrefix;
      this.apiPrefix = apiPrefix;
    }
  }

  public static final String DEFAULT_REVISION = "main";

  private static final String NAME = "[A-Za-z0-9][A-Za-z0-9._-]*";
  private static final Pattern ID = Pattern.compile("(" + NAME + "/" + NAME + ")(?:@(\\S+))?");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

  /** True when {@code text} has the shape of a hub id (it may still be a relative path). */
  public static boolean looksLike(String text) {
    Matcher m = ID.matcher(text);
    return m.matches() && !m.group(1).contains("..") && !text.startsWith(".");
  }

  /** Parses {@code org/name[@revision]}; HubException when it is not a hub id. */
  public static HubId parse(Type type, String text) {
    Matcher m = ID.matcher(text);
    if (!m.matches() || m.group(1).contains("..")) {
      throw new HubException(
          "'" + text + "' is not a hub id (expected org/name or org/name@revision)");
    }
    String rev = m.group(2) == null ? DEFAULT_REVISION : m.group(2);
    return new HubId(type, m.group(1), rev);
  }

  /** True when the revision is a full commit hash (it never moves, so needs no refs/ lookup). */
  public boolean pinnedToCommit() {
    return isCommit(revision);
  }

  /** True for a full 40-hex commit hash. */
  public static boolean isCommit(String revision) {
    return COMMIT.matcher(revision).matches();
  }

  /** The repo's folder in the cache, as huggingface_hub names it: {@code models--org--name}. */
  public String cacheFolder() {
    return type.cachePrefix + "--" + repo.replace("/", "--");
  }

  @Override
  public String toString() {
    return repo + (revision.equals(DEFAULT_REVISION) ? "" : "@" + revision);
  }
}
