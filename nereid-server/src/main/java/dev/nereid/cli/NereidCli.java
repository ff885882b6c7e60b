package dev.nereid.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code nereid} command. Each capability is a subcommand class listed in {@code subcommands}
 * below; adding one is adding its class there.
 */
@Command(
    name = "nereid",
    mixinStandardHelpOptions = true,
    versionProvider = NereidCli.Version.class,
    description = "An in-process inference server for Triton model repositories.",
    subcommands = {
      AnalyzeCommand.class,
      InferCommand.class,
      ModelsCommand.class,
      PerfCommand.class,
      ServeCommand.class,
      CommandLine.HelpCommand.class,
    })
public final class NereidCli implements Runnable {
  /** Whether to show stack traces and info logs; every subcommand accepts it. */
  @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Show stack traces and info logs.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private static final String JAVACPP_MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxPhysicalBytes";

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    // JavaCPP (under TensorFlow Java) reads /proc for the resident size at every native allocation, to
    // trigger a GC when native memory runs high; Nereid closes every tensor it makes, and the read costs a
    // small model a quarter of its latency. Read once, when JavaCPP's Pointer class loads: set it first.
    if (System.getProperty(JAVACPP_MAX_PHYSICAL_BYTES) == null) System.setProperty(JAVACPP_MAX_PHYSICAL_BYTES, "0");
    CommandLine cli = commandLine();
    // JSON output is UTF-8 whatever the locale says.
    cli.setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
    System.exit(cli.execute(args));
  }

  /** The command line with Nereid's error reporting and logging set up; call {@code execute} on it. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new NereidCli());
    ErrorReporter errors = new ErrorReporter();
    cli.setParameterExceptionHandler(errors);
    cli.setExecutionExceptionHandler(errors);
    cli.setExecutionStrategy(parsed -> {
      configureLogging(ErrorReporter.verbose(parsed));
      return new CommandLine.RunLast().execute(parsed);
    });
    return cli;
  }

  /**
   * Sets slf4j-simple's level before the first logger exists: warnings only, so the command's output
   * stays clean, or info with {@code --verbose}. A {@code -D} given on the java command line wins.
   */
  private static void configureLogging(boolean verbose) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
    }
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command: give one of "
        + spec.subcommands().keySet());
  }

  /** The version from the build, so {@code nereid --version} names the release it came from. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = NereidCli.class.getResourceAsStream("version.properties")) {
        if (in != null) p.load(in);
      }
      return new String[] {"nereid " + p.getProperty("version", "unknown")};
    }
  }
}
