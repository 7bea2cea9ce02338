package org.peftbench.harness.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code peftbench}: the root command; only prints help when called without a subcommand. */
@Command(
    name = "peftbench",
    mixinStandardHelpOptions = true,
    versionProvider = RootCommand.Version.class,
    description = {
      "PEFT-Bench for the JVM: fine-tune causal LMs with parameter-efficient methods,",
      "evaluate them on NLP tasks and rank them by score and cost (PSCP)."
    },
    footer = {"", "Run 'peftbench COMMAND --help' for a command's options."})
public final class RootCommand implements Runnable {
  @Mixin GlobalOptions global;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reads the version Maven wrote into the jar. */
  public static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in =
          RootCommand.class.getResourceAsStream("/org/peftbench/harness/version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {
        "peftbench " + p.getProperty("version", "unknown"),
        "JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
      };
    }
  }
}
