package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model control modes NONE and EXPLICIT: what loads at start, and explicit load, reload and unload. */
class ControlModeTest {
  @TempDir Path repo;
  private TestRepository models;

  @BeforeEach
  void writeRepository() {
    models = new TestRepository(repo).identityModel("a").identityModel("b").identityModel("c");
  }

  private Server explicit(String... startupModels) {
    ServerOptions.Builder b = ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.EXPLICIT);
    for (String m : startupModels) b.startupModel(m);
    return new Server(b.build()).start();
  }

  @Test
  void noneLoadsEverythingAndRefusesModelControl() {
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      assertThat(server.models(ModelFilter.READY).keySet()).extracting(ModelKey::name).containsExactly("a", "b", "c");
      assertThat(server.ready()).isTrue();
      assertThatThrownBy(() -> server.load("a")).isInstanceOf(NereidException.Unsupported.class)
          .hasMessageContaining("NONE").hasMessageContaining("EXPLICIT");
      assertThatThrownBy(() -> server.unload("a")).isInstanceOf(NereidException.Unsupported.class);
      assertThatThrownBy(server::pollModelRepository).isInstanceOf(NereidException.Unsupported.class)
          .hasMessageContaining("POLL");
      assertThat(TestRepository.echo(server.model("a"), 1f)).containsExactly(1f);
    }
  }

  @Test
  void noneIgnoresRepositoryChangesAfterStart() {
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      models.identityModel("late");
      models.writeConfig("a", TestRepository.identity("this is no longer a valid config"));
      assertThat(server.models(ModelFilter.READY).keySet()).extracting(ModelKey::name).containsExactly("a", "b", "c");
      assertThat(TestRepository.echo(server.model("a"), 1f)).containsExactly(1f);
    }
  }

  @Test
  void explicitWithoutStartupModelsLoadsNothing() {
    try (Server server = explicit()) {
      assertThat(server.models(ModelFilter.READY)).isEmpty();
      // The repository's models are listed, never loaded.
      assertThat(server.models().values()).extracting(ModelIndexEntry::name).containsExactly("a", "b", "c");
      assertThat(server.models().values()).extracting(ModelIndexEntry::state).containsOnly(ModelState.UNKNOWN);
      assertThat(server.ready()).isTrue();
      // As in Triton, a model never loaded is unknown to requests.
      assertThatThrownBy(() -> TestRepository.echo(server.model("a"), 1f))
          .isInstanceOf(NereidException.InvalidArgument.class)
          .hasMessage("Request for unknown model: 'a' is not found");
    }
  }

  @Test
  void explicitLoadsTheStartupModels() {
    try (Server server = explicit("b")) {
      assertThat(server.models(ModelFilter.READY).keySet()).containsExactly(new ModelKey("b", 1));
      assertThat(TestRepository.echo(server.model("b"), 2f)).containsExactly(2f);
    }
  }

  @Test
  void explicitStarLoadsEveryModel() {
    try (Server server = explicit("*")) {
      assertThat(server.models(ModelFilter.READY).keySet()).extracting(ModelKey::name).containsExactly("a", "b", "c");
    }
  }

  @Test
  void missingStartupModelIsUnavailableAndTheOthersLoad() {
    try (Server server = explicit("a", "ghost")) {
      ModelIndexEntry ghost = TestRepository.row(server, "ghost", -1);
      assertThat(ghost.state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(ghost.reason()).contains("'ghost'", "no model folder");
      assertThat(server.ready()).isFalse();
      assertThat(TestRepository.echo(server.model("a"), 1f)).containsExactly(1f);
    }
  }

  @Test
  void loadServesAndUnloadWithWaitLeavesItUnavailable() {
    try (Server server = explicit()) {
      Model a = server.load("a");
      assertThat(a.ready()).isTrue();
      assertThat(TestRepository.echo(a, 3f)).containsExactly(3f);

      server.unload("a", UnloadOption.WAIT);
      ModelIndexEntry row = TestRepository.row(server, "a", 1);
      assertThat(row.state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(row.reason()).isEqualTo("unloaded");
      assertThat(a.state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(a.reason()).isEqualTo("unloaded");
      assertThatThrownBy(() -> TestRepository.echo(a, 1f)).isInstanceOf(NereidException.Unavailable.class);
      assertThat(server.ready()).as("an unloaded model does not make the server unready").isTrue();

      assertThat(TestRepository.echo(server.load("a"), 4f)).containsExactly(4f);
    }
  }

  @Test
  void unloadWithoutWaitEndsUnavailable() {
    try (Server server = explicit("a")) {
      server.unload("a");
      TestRepository.await("'a' is unloaded", java.time.Duration.ofSeconds(10),
          () -> TestRepository.row(server, "a", 1).state() == ModelState.UNAVAILABLE);
      assertThat(TestRepository.row(server, "a", 1).reason()).isEqualTo("unloaded");
    }
  }

  @Test
  void reloadOfALoadedModelPicksUpItsNewConfig() {
    try (Server server = explicit("a")) {
      assertThat(server.model("a").config().getParametersMap()).doesNotContainKey("execute_delay_ms");
      models.writeConfig("a", TestRepository.identity("parameters { key: \"execute_delay_ms\" value { string_value: \"1\" } }"));
      server.load("a");
      assertThat(server.model("a").config().getParametersMap().get("execute_delay_ms").getStringValue()).isEqualTo("1");
      assertThat(TestRepository.echo(server.model("a"), 5f)).containsExactly(5f);
      assertThat(server.models().keySet()).filteredOn(k -> k.name().equals("a")).containsExactly(new ModelKey("a", 1));
    }
  }

  @Test
  void reloadWithANewVersionRetiresTheOldOne() {
    try (Server server = explicit("a")) {
      models.version("a", 2);
      server.load("a");
      assertThat(TestRepository.echoResponse(server.model("a"), 1f).modelVersion()).isEqualTo(2);
      TestRepository.await("version 1 is unloaded", java.time.Duration.ofSeconds(10),
          () -> TestRepository.row(server, "a", 1).state() == ModelState.UNAVAILABLE);
      assertThat(TestRepository.row(server, "a", 1).reason()).isEqualTo("unloaded");
      assertThat(server.ready()).isTrue();
    }
  }

  @Test
  void failedReloadKeepsTheLoadedVersionServing() {
    try (Server server = explicit("a")) {
      models.writeConfig("a", TestRepository.identity("max_batch_size: -3"));
      assertThatThrownBy(() -> server.load("a")).isInstanceOf(NereidException.InvalidArgument.class)
          .hasMessageContaining("'a'").hasMessageContaining("max_batch_size");
      assertThat(TestRepository.echo(server.model("a"), 6f)).containsExactly(6f);
      ModelIndexEntry row = TestRepository.row(server, "a", 1);
      assertThat(row.state()).isEqualTo(ModelState.READY);
      assertThat(row.reason()).contains("max_batch_size");
    }
  }

  @Test
  void loadOfUnknownModelNamesIt() {
    try (Server server = explicit()) {
      assertThatThrownBy(() -> server.load("nonexistent")).isInstanceOf(NereidException.InvalidArgument.class)
          .hasMessageContaining("'nonexistent'");
      assertThatThrownBy(() -> server.load("../a")).isInstanceOf(NereidException.InvalidArgument.class)
          .hasMessageContaining("'../a'");
      assertThatThrownBy(() -> server.load("")).isInstanceOf(NereidException.InvalidArgument.class);
      assertThat(server.models()).doesNotContainKey(new ModelKey("nonexistent", -1));
    }
  }

  @Test
  void unloadOfUnknownModelIsRefusedNamingIt() {
    try (Server server = explicit()) {
      assertThatThrownBy(() -> server.unload("nonexistent")).isInstanceOf(NereidException.InvalidArgument.class)
          .hasMessageContaining("'nonexistent'");
    }
  }

  @Test
  void unloadOfAModelNeverLoadedOrAlreadyUnloadedDoesNothing() {
    try (Server server = explicit("a")) {
      server.unload("b", UnloadOption.WAIT);
      assertThat(server.models().get(new ModelKey("b", -1)).state()).isEqualTo(ModelState.UNKNOWN);
      server.unload("a", UnloadOption.WAIT);
      server.unload("a", UnloadOption.WAIT);
      assertThat(TestRepository.row(server, "a", 1).reason()).isEqualTo("unloaded");
    }
  }

  @Test
  void loadOfAModelThatFailsIsInvalidArgumentAndUnavailable() {
    models.writeConfig("c", "backend: \"no_such_backend\"");
    try (Server server = explicit()) {
      assertThatThrownBy(() -> server.load("c")).isInstanceOf(NereidException.InvalidArgument.class)
          .hasMessageContaining("no_such_backend");
      assertThat(TestRepository.row(server, "c", -1).state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(server.ready()).isFalse();
      // Unloading the failed model clears the failure: the server is ready again.
      server.unload("c", UnloadOption.WAIT);
      assertThat(server.ready()).isTrue();
      // Once fixed, it loads.
      models.writeConfig("c", TestRepository.IDENTITY);
      assertThat(TestRepository.echo(server.load("c"), 7f)).containsExactly(7f);
    }
  }

  @Test
  void unloadRightAfterLoadAndLoadRightAfterUnloadEndInTheLastState() {
    try (Server server = explicit()) {
      for (int i = 0; i < 20; i++) {
        server.load("a");
        server.unload("a");
        server.load("a");
        assertThat(TestRepository.echo(server.model("a"), i)).containsExactly((float) i);
      }
      assertThat(TestRepository.row(server, "a", 1).state()).isEqualTo(ModelState.READY);
      server.unload("a", UnloadOption.WAIT);
      assertThat(TestRepository.row(server, "a", 1).reason()).isEqualTo("unloaded");
      assertThat(TestRepository.echo(server.load("a"), 1f)).containsExactly(1f);
    }
  }

  @Test
  void handlesSurviveUnloadAndReload() {
    try (Server server = explicit("a")) {
      Model handle = server.model("a");
      server.unload("a", UnloadOption.WAIT);
      assertThat(handle.ready()).isFalse();
      server.load("a", Map.of());
      assertThat(handle.ready()).isTrue();
      assertThat(TestRepository.echo(handle, 1f)).containsExactly(1f);
    }
  }
}
