package dev.nereid.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/** One in-process run of the {@code nereid} command line, with what it printed. */
record CliRun(int exitCode, String out, String err) {
  static final Path EXAMPLES = Path.of("..", "examples", "models");

  /** Runs {@code nereid args...} as {@code main} would, capturing stdout and stderr. */
  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = NereidCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }

  /** Runs {@code nereid infer} against the bundled examples. */
  static CliRun infer(String... args) {
    String[] full = new String[args.length + 2];
    full[0] = "infer";
    full[1] = "--model-repository=" + EXAMPLES;
    System.arraycopy(args, 0, full, 2, args.length);
    return of(full);
  }

  List<String> outLines() {
    return out.lines().toList();
  }

  List<String> errLines() {
    return err.lines().toList();
  }
}
