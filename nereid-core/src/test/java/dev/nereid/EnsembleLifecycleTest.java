package dev.nereid;

import static dev.nereid.Ensembles.FP32_IO;
import static dev.nereid.Ensembles.ensemble;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ensembles and the lifecycle of their composing models: loading together, unload, reload, dependents. */
class EnsembleLifecycleTest {
  @TempDir Path repo;
  private TestRepository models;

  @BeforeEach
  void writeRepository() {
    models = Ensembles.composingModels(new TestRepository(repo))
        .model("chain", ensemble(FP32_IO,
            "identity: INPUT0=IN -> OUTPUT0=t1", "double: X=t1 -> Y=t2", "triple: X=t2 -> Y=OUT"), 1)
        // An ensemble of ensembles.
        .model("outer", ensemble(FP32_IO, "chain: IN=IN -> OUT=t", "double: X=t -> Y=OUT"), 1);
  }

  private Server explicit(String... startup) {
    ServerOptions.Builder b = ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.EXPLICIT);
    for (String s : startup) b.startupModel(s);
    return new Server(b.build()).start();
  }

  private static float[] run(Server server, String ensemble, float... in) {
    return server.model(ensemble).infer(Map.of("IN", in)).next().output("OUT").toFloatArray();
  }

  @Test
  void loadingAnEnsembleLoadsTheModelsItUses() {
    try (Server server = explicit()) {
      server.load("outer");
      assertThat(server.models(ModelFilter.READY).keySet()).extracting(ModelKey::name)
          .containsExactlyInAnyOrder("outer", "chain", "identity", "double", "triple");
      assertThat(run(server, "outer", 1f)).containsExactly(12f);
    }
  }

  @Test
  void startupEnsembleLoadsWithTheModelsItUses() {
    try (Server server = explicit("chain")) {
      assertThat(server.models(ModelFilter.READY).keySet()).extracting(ModelKey::name)
          .containsExactlyInAnyOrder("chain", "identity", "double", "triple");
      assertThat(run(server, "chain", 1f)).containsExactly(6f);
    }
  }

  @Test
  void unloadingAComposingModelMakesItsEnsemblesUnavailableAndReloadingRestoresThem() {
    try (Server server = explicit("outer")) {
      assertThat(run(server, "outer", 1f)).containsExactly(12f);

      server.unload("triple", UnloadOption.WAIT);
      for (String ensemble : new String[] {"chain", "outer"}) {
        Model m = server.model(ensemble);
        assertThat(m.state()).isIn(ModelState.UNLOADING, ModelState.UNAVAILABLE);
        TestRepository.await(ensemble + " unloaded", Duration.ofSeconds(10), () -> m.state() == ModelState.UNAVAILABLE);
        assertThatThrownBy(() -> run(server, ensemble, 1f)).isInstanceOf(NereidException.Unavailable.class);
      }
      assertThat(server.model("chain").reason())
          .contains("ensemble 'chain' is unavailable: its composing model 'triple' is not available");
      assertThat(server.model("outer").reason())
          .contains("ensemble 'outer' is unavailable: its composing model 'chain' is not available");
      assertThat(TestRepository.row(server, "chain", 1).reason()).isEqualTo(server.model("chain").reason());
      assertThat(server.ready()).isFalse();

      server.load("triple");
      assertThat(server.model("chain").ready()).isTrue();
      assertThat(server.model("outer").ready()).isTrue();
      assertThat(run(server, "outer", 1f)).containsExactly(12f);
      assertThat(server.ready()).isTrue();
    }
  }

  @Test
  void reloadingAComposingModelWithAnIncompatibleConfigMakesTheEnsembleUnavailable() {
    try (Server server = explicit("chain")) {
      models.writeConfig("double", JavaModels.config(dev.nereid.testing.javamodels.ScaleModel.class, """
          input [ { name: "X" data_type: TYPE_FP64 dims: [ -1 ] } ]
          output [ { name: "Y" data_type: TYPE_FP64 dims: [ -1 ] } ]
          """));
      server.load("double");
      Model chain = server.model("chain");
      TestRepository.await("chain unloaded", Duration.ofSeconds(10), () -> chain.state() == ModelState.UNAVAILABLE);
      assertThat(chain.reason()).contains("in ensemble 'chain', step 1 (model 'double') input 'X' reads tensor 't1' as "
          + "TYPE_FP64, but step 0 (model 'identity') output 'OUTPUT0' produces it as TYPE_FP32");
    }
  }

  @Test
  void unloadWithDependentsUnloadsTheEnsemblesUsingTheModel() {
    try (Server server = explicit("outer")) {
      server.unload("identity", UnloadOption.DEPENDENTS, UnloadOption.WAIT);
      for (String name : new String[] {"identity", "chain", "outer"}) {
        ModelIndexEntry row = TestRepository.row(server, name, 1);
        assertThat(row.state()).as(name).isEqualTo(ModelState.UNAVAILABLE);
        assertThat(row.reason()).as(name).isEqualTo("unloaded");
      }
      assertThat(server.model("double").ready()).isTrue();
      assertThat(server.ready()).isTrue();
      // Unloaded on purpose, the ensembles stay unloaded when the model comes back.
      server.load("identity");
      assertThat(server.model("chain").state()).isEqualTo(ModelState.UNAVAILABLE);
      server.load("outer");
      assertThat(run(server, "outer", 2f)).containsExactly(24f);
    }
  }

  @Test
  void ensembleWhoseComposingModelFailsToLoadIsUnavailable() {
    models.writeConfig("triple", "backend: \"java\"\n"); // no class: fails to load
    try (Server server = new Server(ServerOptions.of(repo)).start()) {
      assertThat(server.model("chain").state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(server.model("chain").reason()).contains("step 2 (model 'triple'): the composing model is not available");
      assertThat(server.model("outer").reason()).contains("step 0 (model 'chain'): the composing model is not available");
    }
  }

  @Test
  void pollingFollowsAComposingModelLeavingAndComingBack() throws Exception {
    try (Server server = new Server(ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.POLL)
        .repositoryPollInterval(Duration.ZERO).build()).start()) {
      assertThat(run(server, "chain", 1f)).containsExactly(6f);
      Path moved = repo.resolveSibling(repo.getFileName() + "-triple");
      java.nio.file.Files.move(models.dir("triple"), moved);
      server.pollModelRepository();
      Model chain = server.model("chain");
      TestRepository.await("chain unloaded", Duration.ofSeconds(10), () -> chain.state() == ModelState.UNAVAILABLE);
      assertThat(chain.reason()).contains("composing model 'triple' is not available");

      java.nio.file.Files.move(moved, models.dir("triple"));
      server.pollModelRepository();
      assertThat(run(server, "chain", 1f)).containsExactly(6f);
      assertThat(run(server, "outer", 1f)).containsExactly(12f);
    }
  }
}
