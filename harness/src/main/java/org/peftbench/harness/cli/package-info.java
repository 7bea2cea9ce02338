/**
 * The {@code peftbench} command line (picocli): {@link org.peftbench.harness.cli.Main} and {@link
 * org.peftbench.harness.cli.RootCommand} with one class per command ({@code run}, {@code train},
 * {@code eval}, {@code report}, {@code pscp}, {@code plan}, {@code params}, {@code generate},
 * {@code score}, {@code tokenize}, {@code tasks}, {@code bench ...}). Commands parse and check
 * options (every number has a {@code @Range}) and delegate; exit codes are {@link
 * org.peftbench.harness.cli.ExitCodes} (0 ok, 1 failure, 2 usage), and a {@link
 * org.peftbench.harness.cli.UserError} or any bad input ends in one line, a stack trace only with
 * {@code --debug}.
 */
package org.peftbench.harness.cli;
