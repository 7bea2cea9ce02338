package org.peftbench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documentation cannot rot silently: every relative Markdown link {@code [text](path)} in
 * README.md and docs/ names a file or folder that exists, and a {@code #anchor} into a Markdown
 * file names one of its headings (GitHub's heading ids). Links to web addresses are not checked
 * (the tests run offline); links inside fenced code blocks are not links.
 */
class DocsLinksTest {
  /** {@code ](target)} with an optional {@code "title"}; the target has no spaces or ')'. */
  private static final Pattern LINK =
      Pattern.compile("\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");

  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");

  @Test
  void everyRelativeLinkInTheDocsResolves() throws IOException {
    Path root = repositoryRoot();
    List<Path> pages = new ArrayList<>();
    pages.add(root.resolve("README.md"));
    try (Stream<Path> docs = Files.walk(root.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    assertTrue(pages.size() > 5, "expected README.md and the pages under docs/, found " + pages);
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path page : pages) {
      List<String> problems = brokenLinks(page);
      broken.addAll(problems);
      checked += relativeLinks(page).size();
    }
    assertTrue(checked > 10, "expected the docs to link each other, found " + checked + " links");
    assertEquals(List.of(), broken, "broken links in the documentation");
  }

  @Test
  void aMissingFileAndAMissingHeadingAreReported(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("other.md"), "# Other page\n\n## Some Section: `x`\n");
    Path page = dir.resolve("page.md");
    Files.writeString(
        page,
        String.join(
            "\n",
            "# Page",
            "[fine](other.md) [fine too](other.md#some-section-x) [self](#page)",
            "[web](https://example.org/none.md) [mail](mailto:a@b.c)",
            "[gone](missing.md) [no heading](other.md#nothing-here)",
            "```",
            "[in code](not-a-link.md)",
            "```",
            ""));
    List<String> problems = brokenLinks(page);
    assertEquals(2, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("missing.md"), problems.get(0));
    assertTrue(problems.get(1).contains("#nothing-here"), problems.get(1));
    assertFalse(problems.toString().contains("not-a-link"), problems.toString());
  }

  /** The relative link targets of one page (web, mail and code-block links left out). */
  static List<String> relativeLinks(Path page) throws IOException {
    List<String> out = new ArrayList<>();
    boolean inFence = false;
    for (String line : Files.readAllLines(page)) {
      if (line.strip().startsWith("```")) {
        inFence = !inFence;
        continue;
      }
      if (inFence) {
        continue;
      }
      Matcher m = LINK.matcher(line);
      while (m.find()) {
        String target = m.group(1);
        if (!target.matches("(?i)[a-z][a-z0-9+.-]*:.*")) { // http:, https:, mailto: ...
          out.add(target);
        }
      }
    }
    return out;
  }

  /** One line per link of {@code page} whose file or heading does not exist. */
  static List<String> brokenLinks(Path page) throws IOException {
    List<String> out = new ArrayList<>();
    for (String target : relativeLinks(page)) {
      int hash = target.indexOf('#');
      String file = hash < 0 ? target : target.substring(0, hash);
      String anchor = hash < 0 ? null : target.substring(hash + 1);
      Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
      if (!Files.exists(resolved)) {
        out.add(page + ": link (" + target + "): no file " + resolved);
      } else if (anchor != null
          && resolved.toString().endsWith(".md")
          && !headingIds(resolved).contains(anchor)) {
        out.add(page + ": link (" + target + "): " + resolved + " has no heading #" + anchor);
      }
    }
    return out;
  }

  /** GitHub's ids of a page's headings: lower case, punctuation dropped, spaces to '-'. */
  static List<String> headingIds(Path page) {
    List<String> ids = new ArrayList<>();
    boolean inFence = false;
    try {
      for (String line : Files.readAllLines(page)) {
        if (line.strip().startsWith("```")) {
          inFence = !inFence;
          continue;
        }
        Matcher m = HEADING.matcher(line);
        if (!inFence && m.matches()) {
          String id =
              m.group(1)
                  .toLowerCase(Locale.ROOT)
                  .replaceAll("[^\\p{L}\\p{N} _-]", "")
                  .replace(' ', '-');
          // a repeated heading gets -1, -2, ... as on GitHub
          String unique = id;
          for (int n = 1; ids.contains(unique); n++) {
            unique = id + "-" + n;
          }
          ids.add(unique);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ids;
  }

  /** The folder holding README.md and docs/ (tests run in a module folder below it). */
  private static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("README.md")) && Files.isDirectory(d.resolve("docs"))) {
        return d;
      }
    }
    throw new IllegalStateException("no folder with README.md and docs/ above " + dir);
  }
}
