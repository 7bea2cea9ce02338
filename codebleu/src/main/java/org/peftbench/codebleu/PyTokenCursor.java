package org.peftbench.codebleu;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The token cursor the parser classes share: the tokens of one source, the position, and the
 * lookahead / expect helpers; {@link SyntaxError} is what every parser class throws.
 */
abstract class PyTokenCursor {
  /** Code outside the grammar handled here. */
  static final class SyntaxError extends RuntimeException {
    SyntaxError(String message) {
      super(message);
    }
  }

  /**
   * Names that are never identifiers: CodeBLEU's Python keyword list less the soft keywords, which
   * this grammar reads by context ({@code async def}, {@code await x}) or not at all.
   */
  static final Set<String> KEYWORDS = hardKeywords();

  private static Set<String> hardKeywords() {
    Set<String> s = new HashSet<>(Bleu.PYTHON_KEYWORDS);
    s.removeAll(Set.of("async", "await", "match", "case", "type"));
    return Set.copyOf(s);
  }

  final List<PyToken> tokens;

  int i;

  PyTokenCursor(List<PyToken> tokens) {
    this.tokens = tokens;
  }

  PyToken peek() {
    return tokens.get(i);
  }

  PyToken peek(int ahead) {
    return tokens.get(Math.min(i + ahead, tokens.size() - 1));
  }

  boolean at(String s) {
    PyToken t = peek();
    return (t.kind() == PyToken.Kind.OP || t.kind() == PyToken.Kind.NAME) && t.text().equals(s);
  }

  PyToken next() {
    return tokens.get(i++);
  }

  PyNode expect(String s) {
    if (!at(s)) {
      throw new SyntaxError(
          "expected '"
              + s
              + "' at "
              + peek().startRow()
              + ":"
              + peek().startCol()
              + ", found '"
              + peek().text()
              + "'");
    }
    return next().anonymous();
  }

  boolean isName(PyToken t) {
    return t.kind() == PyToken.Kind.NAME && !KEYWORDS.contains(t.text());
  }

  PyNode identifier() {
    PyToken t = peek();
    if (t.kind() != PyToken.Kind.NAME || KEYWORDS.contains(t.text())) {
      throw new SyntaxError("expected a name, found '" + t.text() + "'");
    }
    return next().leaf("identifier", true);
  }
}
