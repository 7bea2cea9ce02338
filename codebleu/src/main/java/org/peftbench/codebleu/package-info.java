/**
 * CodeBLEU for Python as the CodeBLEU package computes it: {@link org.peftbench.codebleu.CodeBleu}
 * combines the n-gram match ({@link org.peftbench.codebleu.Bleu}, corpus BLEU-4 on whitespace
 * tokens), the keyword-weighted n-gram match, the syntax match (sub-trees of the syntax tree) and
 * the data-flow match, 0.25 each.
 *
 * <p>The syntax tree is tree-sitter-python 0.21's, built by a recursive-descent parser in Java:
 * {@code PyLexer} (tokens, indentation), {@code PyTokenCursor} (the position and lookahead), {@code
 * PythonExpressions}, {@code PythonAtoms} and {@code PythonStatements} (the grammar, one class per
 * part, each extending the previous), and {@code PythonParser} (entry points and the recovery for
 * code that does not parse). {@code CommentStripper} and {@code PyStrings} prepare the source;
 * {@code DataFlow} extracts the variable data flow. The module depends on no other module.
 */
package org.peftbench.codebleu;
