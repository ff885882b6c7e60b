package dev.nereid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The top-level {@code nereid} command: help, version, usage errors and the default repository. */
class NereidCliTest {
  @Test
  void helpListsTheSubcommands() {
    CliRun run = CliRun.of("--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Usage: nereid").contains("infer").contains("models");
  }

  @Test
  void versionNamesTheBuild() {
    CliRun run = CliRun.of("--version");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).matches("nereid \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R");
  }

  @Test
  void noSubcommandIsAUsageError() {
    CliRun run = CliRun.of();

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).containsExactly(
        "nereid: missing command: give one of [analyze, infer, models, perf, serve, help] (see 'nereid --help')");
  }

  @Test
  void unknownOptionIsAUsageErrorNamingIt() {
    CliRun run = CliRun.of("models", "--modle-repository", "x");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).containsExactly("nereid: Unknown options: '--modle-repository', 'x'; did you mean"
        + " --model-repository? (see 'nereid models --help')");
  }

  @Test
  void defaultRepositoryIsTheBundledExamplesUnderHome() {
    assertThat(RepositoryOptions.defaultRepository("/opt/nereid")).isEqualTo(Path.of("/opt/nereid/examples/models"));
    assertThat(RepositoryOptions.defaultRepository(null)).isEqualTo(Path.of("examples/models"));
  }

  @Test
  void withoutRepositoryOptionTheLaunchersHomeIsUsed() {
    String before = System.getProperty(RepositoryOptions.HOME_PROPERTY);
    System.setProperty(RepositoryOptions.HOME_PROPERTY, "..");
    try {
      CliRun run = CliRun.of("infer", "identity", "--input", "string_input=[[\"from home\"]]");

      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out()).contains("\"data\":[\"from home\"]");
    } finally {
      if (before == null) System.clearProperty(RepositoryOptions.HOME_PROPERTY);
      else System.setProperty(RepositoryOptions.HOME_PROPERTY, before);
    }
  }
}
