package org.peftbench.harness.suite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads suites from YAML files or from the suites bundled in the jar ({@code smoke}, …). */
public final class SuiteLoader {
  /** The suites bundled as resources under {@code org/peftbench/harness/suites/}. */
  public static final List<String> BUNDLED = List.of("smoke", "peft-bench");

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private SuiteLoader() {}

  /**
   * A suite from a file path, or a bundled suite by name. Errors are IllegalArgumentExceptions
   * whose message names the file and the problem.
   */
  public static Suite load(String fileOrName) {
    Path p = Path.of(fileOrName);
    if (Files.isRegularFile(p)) {
      try (InputStream in = Files.newInputStream(p)) {
        return parse(in, p.toString());
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read suite file " + p + ": " + e.getMessage());
      }
    }
    if (BUNDLED.contains(fileOrName)) {
      String res = "/org/peftbench/harness/suites/" + fileOrName + ".yaml";
      try (InputStream in = SuiteLoader.class.getResourceAsStream(res)) {
        if (in == null) {
          throw new IllegalStateException("bundled suite resource " + res + " is missing");
        }
        return parse(in, "bundled suite '" + fileOrName + "'");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalArgumentException(
        "no suite file '"
            + fileOrName
            + "' and no bundled suite of that name (bundled: "
            + String.join(", ", BUNDLED)
            + ")");
  }

  /** Parses and validates; {@code source} names the input in error messages. */
  public static Suite parse(InputStream in, String source) {
    try {
      Suite s = YAML.readValue(in, Suite.class);
      if (s == null) {
        throw new IllegalArgumentException(source + ": the suite file is empty");
      }
      return s.validated();
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() != null
              ? " (line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ")"
              : "";
      throw new IllegalArgumentException(source + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(source)) {
        throw e;
      }
      throw new IllegalArgumentException(source + ": " + e.getMessage());
    }
  }

  /** The suite as YAML, e.g. to record the exact suite a results folder came from. */
  public static String toYaml(Suite s) {
    try {
      return YAML.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
