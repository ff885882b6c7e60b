package dev.nereid.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --model-repository} option that every command starting a server shares (a picocli mixin). */
final class RepositoryOptions {
  /** Set by the {@code ./nereid} launcher to the repository root, where the bundled examples live. */
  static final String HOME_PROPERTY = "nereid.home";

  @Option(
      names = "--model-repository",
      paramLabel = "DIR",
      description = "A model repository (repeatable). Default: the bundled examples/models.")
  List<Path> repositories = new ArrayList<>();

  /** The repositories given, or the bundled examples when none was. */
  List<Path> repositories() {
    return repositories.isEmpty() ? List.of(defaultRepository(System.getProperty(HOME_PROPERTY))) : repositories;
  }

  /** {@code <home>/examples/models}, or {@code ./examples/models} when there is no home. */
  static Path defaultRepository(String home) {
    Path examples = Path.of("examples", "models");
    return home == null || home.isEmpty() ? examples : Path.of(home).resolve(examples);
  }
}
