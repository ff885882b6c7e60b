package dev.nereid.cli;

import dev.nereid.NereidException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into one {@code nereid: <message>} line on stderr: usage errors exit with 2,
 * request and model errors with 1. Stack traces only with {@code --verbose}.
 */
final class ErrorReporter implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {
  static final int FAILED = 1;

  @Override
  public int handleParseException(CommandLine.ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    String hint = "";
    if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
      hint = "; did you mean " + String.join(" or ", unmatched.getSuggestions()) + "?";
    }
    err.println("nereid: " + ex.getMessage() + hint + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
    err.flush();
    return cmd.getCommandSpec().exitCodeOnInvalidInput();
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    err.println("nereid: " + message(ex));
    if (verbose(parsed)) {
      ex.printStackTrace(err);
    }
    err.flush();
    return FAILED;
  }

  /** Whether {@code --verbose} was given anywhere on the command line. */
  static boolean verbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) return true;
    }
    return false;
  }

  private static String message(Exception ex) {
    if (ex instanceof NereidException) return ex.getMessage();
    // Anything else is a fault of ours: its class helps the bug report.
    return ex.getMessage() == null ? ex.toString() : ex.getClass().getSimpleName() + ": " + ex.getMessage();
  }
}
