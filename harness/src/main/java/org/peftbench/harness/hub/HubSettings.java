package org.peftbench.harness.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Where the hub cache lives and how to reach the hub, from the environment variables the Python
 * tools read, so both share one cache:
 *
 * <ul>
 *   <li>cache: {@code HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code
 *       $XDG_CACHE_HOME/huggingface/hub}, else {@code ~/.cache/huggingface/hub};
 *   <li>endpoint: {@code HF_ENDPOINT} (default {@code https://huggingface.co});
 *   <li>token: {@code HF_TOKEN}, else the file {@code HF_TOKEN_PATH} or {@code $HF_HOME/token} that
 *       {@code huggingface-cli login} writes;
 *   <li>offline: {@code HF_HUB_OFFLINE} set to 1, true, yes or on.
 * </ul>
 *
 * A Java system property of the same name overrides each variable (for embedding and tests).
 */
public record HubSettings(Path cache, String endpoint, String token, boolean offline) {
  public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

  private static final Set<String> TRUE = Set.of("1", "true", "yes", "on");

  /** The settings of this process: system properties, then environment variables. */
  public static HubSettings current() {
    return from(
        name -> {
          String p = System.getProperty(name);
          return p != null ? p : System.getenv(name);
        });
  }

  /** Settings from a variable lookup ({@code name -> value or null}). */
  public static HubSettings from(UnaryOperator<String> env) {
    Path home = Path.of(System.getProperty("user.home"));
    String xdg = blankToNull(env.apply("XDG_CACHE_HOME"));
    Path hfHome =
        blankToNull(env.apply("HF_HOME")) != null
            ? Path.of(env.apply("HF_HOME"))
            : (xdg != null ? Path.of(xdg) : home.resolve(".cache")).resolve("huggingface");
    Path cache =
        blankToNull(env.apply("HF_HUB_CACHE")) != null
            ? Path.of(env.apply("HF_HUB_CACHE"))
            : hfHome.resolve("hub");
    String endpoint = blankToNull(env.apply("HF_ENDPOINT"));
    endpoint = endpoint == null ? DEFAULT_ENDPOINT : endpoint.replaceAll("/+$", "");
    String token = blankToNull(env.apply("HF_TOKEN"));
    if (token == null) {
      String tokenPath = blankToNull(env.apply("HF_TOKEN_PATH"));
      Path f = tokenPath != null ? Path.of(tokenPath) : hfHome.resolve("token");
      try {
        token = Files.isRegularFile(f) ? blankToNull(Files.readString(f).trim()) : null;
      } catch (IOException e) {
        token = null; // an unreadable token file is the same as none
      }
    }
    String off = blankToNull(env.apply("HF_HUB_OFFLINE"));
    boolean offline = off != null && TRUE.contains(off.trim().toLowerCase(Locale.ROOT));
    return new HubSettings(cache.toAbsolutePath().normalize(), endpoint, token, offline);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  @Override
  public String toString() {
    // never print the token
    return "HubSettings[cache=" + cache + ", endpoint=" + endpoint + ", offline=" + offline + "]";
  }
}
