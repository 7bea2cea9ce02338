/**
 * The sandboxed Jinja2 interpreter chat templates run in: {@link
 * org.peftbench.tokenizers.jinja.Template} parses ({@code Lexer}, {@code Parser} into {@code
 * Node}s) and renders ({@code Interpreter}, with Python semantics for values, operators, filters,
 * tests, methods and functions), every render bounded by {@link
 * org.peftbench.tokenizers.jinja.Limits}; failures are {@link
 * org.peftbench.tokenizers.jinja.TemplateException}s.
 */
package org.peftbench.tokenizers.jinja;
