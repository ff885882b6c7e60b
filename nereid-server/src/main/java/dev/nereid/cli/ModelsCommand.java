package dev.nereid.cli;

import dev.nereid.ModelIndexEntry;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nereid models}: loads the repositories and prints their index, one row per model version. */
@Command(name = "models", description = "Load the model repositories and list every model version with its state.")
final class ModelsCommand implements Callable<Integer> {
  private static final String[] HEADER = {"NAME", "VERSION", "STATE", "REASON"};

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin RepositoryOptions repository;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Override
  public Integer call() {
    ServerOptions options = ServerOptions.builder().modelRepositories(repository.repositories()).build();
    try (Server server = new Server(options).start()) {
      print(server.models().values(), spec.commandLine().getOut());
    }
    return 0;
  }

  static void print(Collection<ModelIndexEntry> entries, PrintWriter out) {
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    for (ModelIndexEntry e : entries) {
      rows.add(new String[] {e.name(), e.version() < 0 ? "-" : Long.toString(e.version()), e.state().name(), e.reason()});
    }
    int[] widths = new int[HEADER.length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) widths[i] = Math.max(widths[i], row[i].length());
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }
}
