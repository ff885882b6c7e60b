package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Repositories added and removed at run time, with a mapping from folder name to served name. */
class RepositoryRegistrationTest {
  @TempDir Path repo;
  @TempDir Path extra;
  private Server server;

  @BeforeEach
  void start() {
    new TestRepository(repo).identityModel("main_model");
    new TestRepository(extra).identityModel("a").identityModel("plain");
    server = new Server(ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.EXPLICIT).build())
        .start();
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  @Test
  void registeredRepositoryServesItsModelsUnderTheMappedNames() {
    assertThatThrownBy(() -> server.load("b")).isInstanceOf(NereidException.InvalidArgument.class);
    server.registerModelRepository(extra, Map.of("a", "b"));
    assertThat(server.models().keySet()).extracting(ModelKey::name).contains("b", "plain").doesNotContain("a");
    Model b = server.load("b");
    assertThat(TestRepository.echo(b, 1f, 2f)).containsExactly(1f, 2f);
    assertThat(b.config().getName()).isEqualTo("b");
    assertThat(TestRepository.echo(server.load("plain"), 3f)).containsExactly(3f);
    assertThatThrownBy(() -> server.load("a")).isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("'a'");
  }

  @Test
  void mappedModelWhoseConfigNamesItsFolderLoads() {
    new TestRepository(extra).model("a", "name: \"a\"\n" + TestRepository.IDENTITY, 1);
    server.registerModelRepository(extra, Map.of("a", "b"));
    assertThat(server.load("b").config().getName()).isEqualTo("b");
  }

  @Test
  void unregisterForgetsTheRepositoryButLeavesLoadedModelsServing() {
    server.registerModelRepository(extra, Map.of("a", "b"));
    server.load("b");
    server.unregisterModelRepository(extra);
    assertThat(TestRepository.echo(server.model("b"), 4f)).containsExactly(4f);
    assertThatThrownBy(() -> server.load("plain")).isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("'plain'");
    assertThat(server.models().keySet()).extracting(ModelKey::name).doesNotContain("plain");
  }

  @Test
  void registerTwiceIsAlreadyExists() {
    server.registerModelRepository(extra, Map.of());
    assertThatThrownBy(() -> server.registerModelRepository(extra, Map.of()))
        .isInstanceOf(NereidException.AlreadyExists.class)
        .hasMessageContaining(extra.toString());
    assertThatThrownBy(() -> server.registerModelRepository(repo, Map.of()))
        .isInstanceOf(NereidException.AlreadyExists.class);
  }

  @Test
  void registerMissingFolderIsInvalidArgumentNamingIt() {
    Path missing = extra.resolve("nothing_here");
    assertThatThrownBy(() -> server.registerModelRepository(missing, Map.of()))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining(missing.toString());
  }

  @Test
  void unregisterUnknownIsNotFound() {
    assertThatThrownBy(() -> server.unregisterModelRepository(extra))
        .isInstanceOf(NereidException.NotFound.class)
        .hasMessageContaining(extra.toString());
  }

  @Test
  void mappingOntoANameAlreadyServedMakesBothCopiesAmbiguous() {
    server.registerModelRepository(extra, Map.of("a", "main_model"));
    assertThatThrownBy(() -> server.load("main_model"))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("more than one repository")
        .hasMessageContaining(repo.resolve("main_model").toString())
        .hasMessageContaining(extra.resolve("a").toString());
    server.unregisterModelRepository(extra);
    assertThat(TestRepository.echo(server.load("main_model"), 5f)).containsExactly(5f);
  }

  @Test
  void registrationIsRefusedOutsideExplicitMode() {
    for (ModelControlMode mode : new ModelControlMode[] {ModelControlMode.NONE, ModelControlMode.POLL}) {
      try (Server other = new Server(ServerOptions.builder().modelRepository(repo).modelControlMode(mode).build()).start()) {
        assertThatThrownBy(() -> other.registerModelRepository(extra, Map.of()))
            .isInstanceOf(NereidException.Unsupported.class).hasMessageContaining(mode.name());
        assertThatThrownBy(() -> other.unregisterModelRepository(repo))
            .isInstanceOf(NereidException.Unsupported.class);
      }
    }
  }
}
