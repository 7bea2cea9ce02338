package org.peftbench.codebleu;

import java.util.List;

/**
 * The atoms of an expression: names, numbers, strings (with f-string fields), and parenthesised,
 * bracketed and braced forms (tuples, generators, lists, dicts, sets and their comprehensions).
 */
abstract class PythonAtoms extends PythonExpressions {
  PythonAtoms(List<PyToken> tokens) {
    super(tokens);
  }

  PyNode atom() {
    PyToken t = peek();
    switch (t.kind()) {
      case INTEGER -> {
        return next().leaf("integer", true);
      }
      case FLOAT -> {
        return next().leaf("float", true);
      }
      case STRING -> {
        PyNode s = string();
        if (peek().kind() != PyToken.Kind.STRING) {
          return s;
        }
        PyNode c = new PyNode("concatenated_string", true).add(s);
        while (peek().kind() == PyToken.Kind.STRING) {
          c.add(string());
        }
        return c;
      }
      case NAME -> {
        switch (t.text()) {
          case "True" -> {
            return next().leaf("true", true);
          }
          case "False" -> {
            return next().leaf("false", true);
          }
          case "None" -> {
            return next().leaf("none", true);
          }
          case "lambda" -> {
            return lambda(true);
          }
          default -> {
            if (KEYWORDS.contains(t.text())) {
              throw new SyntaxError("unexpected keyword '" + t.text() + "'");
            }
            return next().leaf("identifier", true);
          }
        }
      }
      case OP -> {
        switch (t.text()) {
          case "(" -> {
            return parenthesized();
          }
          case "[" -> {
            return bracketed("[", "]", "list", "list_comprehension");
          }
          case "{" -> {
            return braced();
          }
          case "..." -> {
            return next().leaf("ellipsis", true);
          }
          case "*" -> {
            return new PyNode("list_splat", true).add(next().anonymous()).add(binary(14));
          }
          default ->
              throw new SyntaxError(
                  "unexpected '" + t.text() + "' at " + t.startRow() + ":" + t.startCol());
        }
      }
      default -> throw new SyntaxError("unexpected end of code");
    }
  }

  private PyNode collectionItem() {
    if (at("yield")) {
      return yieldExpression();
    }
    return starredExpression();
  }

  private PyNode parenthesized() {
    PyNode open = next().anonymous();
    if (at(")")) {
      return new PyNode("tuple", true).add(open).add(next().anonymous());
    }
    PyNode first = collectionItem();
    if (at("for") || (at("async") && peek(1).is("for"))) {
      PyNode g = new PyNode("generator_expression", true).add(open).add("body", first);
      comprehensionClauses(g);
      return g.add(expect(")"));
    }
    if (at(")") && !first.type.equals("list_splat")) {
      return new PyNode("parenthesized_expression", true)
          .add(open)
          .add(first)
          .add(next().anonymous());
    }
    PyNode tuple = new PyNode("tuple", true).add(open).add(first);
    while (at(",")) {
      tuple.add(next().anonymous());
      if (at(")")) {
        break;
      }
      tuple.add(collectionItem());
    }
    return tuple.add(expect(")"));
  }

  private PyNode bracketed(String open, String close, String type, String comprehension) {
    PyNode o = next().anonymous();
    if (at(close)) {
      return new PyNode(type, true).add(o).add(next().anonymous());
    }
    PyNode first = collectionItem();
    if (at("for") || (at("async") && peek(1).is("for"))) {
      PyNode c = new PyNode(comprehension, true).add(o).add("body", first);
      comprehensionClauses(c);
      return c.add(expect(close));
    }
    PyNode n = new PyNode(type, true).add(o).add(first);
    while (at(",")) {
      n.add(next().anonymous());
      if (at(close)) {
        break;
      }
      n.add(collectionItem());
    }
    return n.add(expect(close));
  }

  private PyNode braced() {
    PyNode open = next().anonymous();
    if (at("}")) {
      return new PyNode("dictionary", true).add(open).add(next().anonymous());
    }
    if (at("**")) {
      return dictionaryRest(
          open, new PyNode("dictionary_splat", true).add(next().anonymous()).add(expression()));
    }
    PyNode first = collectionItem();
    if (at(":")) {
      PyNode pair = new PyNode("pair", true).add("key", first).add(next().anonymous());
      pair.add("value", expression());
      if (at("for") || (at("async") && peek(1).is("for"))) {
        PyNode c = new PyNode("dictionary_comprehension", true).add(open).add("body", pair);
        comprehensionClauses(c);
        return c.add(expect("}"));
      }
      return dictionaryRest(open, pair);
    }
    if (at("for") || (at("async") && peek(1).is("for"))) {
      PyNode c = new PyNode("set_comprehension", true).add(open).add("body", first);
      comprehensionClauses(c);
      return c.add(expect("}"));
    }
    PyNode set = new PyNode("set", true).add(open).add(first);
    while (at(",")) {
      set.add(next().anonymous());
      if (at("}")) {
        break;
      }
      set.add(collectionItem());
    }
    return set.add(expect("}"));
  }

  private PyNode dictionaryRest(PyNode open, PyNode first) {
    PyNode d = new PyNode("dictionary", true).add(open).add(first);
    while (at(",")) {
      d.add(next().anonymous());
      if (at("}")) {
        break;
      }
      if (at("**")) {
        d.add(new PyNode("dictionary_splat", true).add(next().anonymous()).add(expression()));
      } else {
        PyNode pair = new PyNode("pair", true).add("key", expression()).add(expect(":"));
        d.add(pair.add("value", expression()));
      }
    }
    return d.add(expect("}"));
  }

  PyNode string() {
    return PyStrings.node(next());
  }
}
