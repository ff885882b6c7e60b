package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.testing.javamodels.FailingInitModel;
import dev.nereid.testing.javamodels.JavaModelEvents;
import dev.nereid.testing.javamodels.ScaleModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model's lifecycle as the repository manager runs it, seen through the public API: a load that
 * fails leaves its version UNAVAILABLE with the reason, and loads and unloads of one model racing
 * each other end in one state that the index, the handle, inference and the model's own instances
 * all agree on.
 */
class ModelLifecycleTest {
  private static final String SCALE_TENSORS = """
      parameters { key: "factor" value { string_value: "3" } }
      version_policy { all { } }
      instance_group [ { count: 1 kind: KIND_CPU } ]
      input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]
      output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1 ] } ]
      """;

  @TempDir Path repo;

  private Server explicit() {
    return new Server(ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.EXPLICIT).build())
        .start();
  }

  @Test
  void aFailedLoadLeavesTheVersionUnavailableWithTheReasonUntilALoadSucceeds() {
    TestRepository models = new TestRepository(repo).model("weights", JavaModels.config(FailingInitModel.class, ""), 1);
    try (Server server = explicit()) {
      String why = "weights file missing: " + repo.resolve("weights/1/weights.bin");
      assertThatThrownBy(() -> server.load("weights")).isInstanceOf(NereidException.InvalidArgument.class)
          .hasMessageStartingWith("failed to load 'weights' version 1: ").hasMessageContaining(why);

      ModelIndexEntry row = TestRepository.row(server, "weights", 1);
      assertThat(row.state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(row.reason()).startsWith("failed to load 'weights' version 1: ").contains(why);
      Model handle = server.model("weights");
      assertThat(handle.ready()).isFalse();
      assertThat(handle.reason()).isEqualTo(row.reason());
      assertThatThrownBy(() -> handle.infer(Map.of("X", Tensor.of(new float[] {1f}, 1))))
          .isInstanceOf(NereidException.Unavailable.class).hasMessageContaining(why);
      assertThat(server.ready()).isFalse();

      // UNAVAILABLE -> LOADING -> READY: a load after the fix serves, and the failure is gone.
      models.writeConfig("weights", JavaModels.config(ScaleModel.class, SCALE_TENSORS));
      server.load("weights");
      assertThat(TestRepository.row(server, "weights", 1)).isEqualTo(new ModelIndexEntry("weights", 1, ModelState.READY, ""));
      assertThat(scale(handle, 2f)).containsExactly(6f);
      assertThat(server.ready()).isTrue();
    }
  }

  @Test
  void loadsAndUnloadsOfOneModelRacingEachOtherEndInOneConsistentState() throws Exception {
    new TestRepository(repo).model("churn", JavaModels.config(ScaleModel.class, SCALE_TENSORS), 1, 2);
    int threads = 4;
    int rounds = 12;
    try (Server server = explicit(); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < rounds; i++) {
            switch ((id + i) % 3) {
              case 0 -> server.load("churn");
              case 1 -> server.unload("churn");
              default -> server.unload("churn", UnloadOption.WAIT);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) f.get(); // every load and unload succeeded: none threw

      // A load takes every version up and an unload every version down, each under the model's lock:
      // the versions never end split. READY stays; an unload's retirement may still be finishing.
      boolean loaded = TestRepository.row(server, "churn", 1).state() == ModelState.READY
          || TestRepository.row(server, "churn", 2).state() == ModelState.READY;
      if (loaded) {
        assertThat(TestRepository.row(server, "churn", 1).state()).isEqualTo(ModelState.READY);
        assertThat(TestRepository.row(server, "churn", 2).state()).isEqualTo(ModelState.READY);
        assertThat(server.model("churn").ready()).isTrue();
        assertThat(scale(server.model("churn", 1), 1f)).containsExactly(3f);
        assertThat(scale(server.model("churn", 2), 2f)).containsExactly(6f);
        // Every model the reloads replaced is finalized; one instance per version is left.
        TestRepository.await("only the serving instances are left", Duration.ofSeconds(60),
            () -> liveInstances("churn/") == 2);
      } else {
        TestRepository.await("every version unloaded", Duration.ofSeconds(60),
            () -> TestRepository.row(server, "churn", 1).state() == ModelState.UNAVAILABLE
                && TestRepository.row(server, "churn", 2).state() == ModelState.UNAVAILABLE);
        assertThat(TestRepository.row(server, "churn", 1).reason()).isEqualTo("unloaded");
        assertThat(TestRepository.row(server, "churn", 2).reason()).isEqualTo("unloaded");
        assertThat(server.model("churn").ready()).isFalse();
        assertThatThrownBy(() -> scale(server.model("churn"), 1f)).isInstanceOf(NereidException.Unavailable.class);
        TestRepository.await("every instance finalized", Duration.ofSeconds(60), () -> liveInstances("churn/") == 0);
      }
      assertThat(server.ready()).isTrue();

      // Whatever the race left, the model still loads and unloads as usual, and nothing leaks.
      server.load("churn");
      assertThat(scale(server.model("churn"), 1f)).containsExactly(3f);
      server.unload("churn", UnloadOption.WAIT);
      assertThat(TestRepository.row(server, "churn", 2)).isEqualTo(new ModelIndexEntry("churn", 2, ModelState.UNAVAILABLE,
          "unloaded"));
      TestRepository.await("every instance finalized", Duration.ofSeconds(60), () -> liveInstances("churn/") == 0);
    }
  }

  @Test
  void concurrentLoadsOfOneModelLeaveOneServingInstanceAndFinalizeTheRest() throws Exception {
    new TestRepository(repo).model("reloaded", JavaModels.config(ScaleModel.class, SCALE_TENSORS), 1);
    int threads = 4;
    try (Server server = explicit(); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 5; i++) server.load("reloaded");
          return null;
        }));
      }
      for (Future<?> f : done) f.get();
      assertThat(TestRepository.row(server, "reloaded", 1)).isEqualTo(new ModelIndexEntry("reloaded", 1, ModelState.READY, ""));
      assertThat(scale(server.model("reloaded"), 5f)).containsExactly(15f);
      assertThat(JavaModelEvents.initializedStartingWith("reloaded/")).hasSize(threads * 5);
      TestRepository.await("the replaced instances finalized", Duration.ofSeconds(60),
          () -> liveInstances("reloaded/") == 1);
    }
  }

  /** Instances of the Java test models under this key prefix initialized and not yet finalized. */
  private static int liveInstances(String prefix) {
    return JavaModelEvents.initializedStartingWith(prefix).size() - JavaModelEvents.finalizedStartingWith(prefix).size();
  }

  private static float[] scale(Model model, float x) {
    List<InferenceResponse> responses = new ArrayList<>();
    model.infer(Map.of("X", Tensor.of(new float[] {x}, 1))).forEachRemaining(responses::add);
    assertThat(responses).hasSize(1);
    return responses.get(0).output("Y").toFloatArray();
  }
}
