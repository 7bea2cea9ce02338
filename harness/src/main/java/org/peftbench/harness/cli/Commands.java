package org.peftbench.harness.cli;

import picocli.CommandLine;

/** Builds the command tree. Each subcommand is one class; register new ones here. */
public final class Commands {
  private Commands() {}

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new RootCommand());
    // Subcommands, in the order `--help` lists them.
    cli.addSubcommand(new RunCommand());
    cli.addSubcommand(new PlanCommand());
    cli.addSubcommand(new RunOneCommand());
    cli.addSubcommand(new SlurmCommand());
    cli.addSubcommand(new TrainCommand());
    cli.addSubcommand(new EvalCommand());
    cli.addSubcommand(new ReportCommand());
    cli.addSubcommand(new PscpCommand());
    cli.addSubcommand(new TasksCommand());
    cli.addSubcommand(new EvaluatePredictionsCommand());
    cli.addSubcommand(new InitModelCommand());
    cli.addSubcommand(new GenerateCommand());
    cli.addSubcommand(new ScoreCommand());
    cli.addSubcommand(new TokenizeCommand());
    cli.addSubcommand(new BenchCommand());
    cli.addSubcommand(new ParamsCommand());
    cli.addSubcommand(new ExplainCommand());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    return cli;
  }
}
