package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The enum options that replace boolean parameters: ModelFilter, UnloadOption, CallerThread. */
class ApiOptionsTest {
  @TempDir Path repo;

  @Test
  void modelFilterAndUnloadOptionsSayWhatTheyDo() {
    new TestRepository(repo).identityModel("a").identityModel("b");
    ServerOptions options = ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.EXPLICIT)
        .startupModel("a").build();
    try (Server server = new Server(options).start()) {
      assertThat(server.models(ModelFilter.READY).keySet()).extracting(ModelKey::name).containsExactly("a");
      assertThat(server.models(ModelFilter.ALL).keySet()).extracting(ModelKey::name).containsExactly("a", "b");
      server.unload("a", UnloadOption.WAIT);
      // WAIT: unloaded by the time unload returns.
      assertThat(server.models(ModelFilter.READY)).isEmpty();
      assertThat(TestRepository.row(server, "a", 1).state()).isEqualTo(ModelState.UNAVAILABLE);
    }
  }

  @Test
  void callerThreadRunsWhenIdleRunsTheModelBeforeInferAsyncReturns() throws Exception {
    BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    try (Server server = new Server(ServerOptions.of(Path.of("..", "examples", "models"))).start()) {
      CompletableFuture<InferenceResponse> future = server.model("identity").inferAsync(
          InferenceRequest.builder().input("int32_input", new int[][] {{6, 7}}).build(), tasks::add,
          CallerThread.RUNS_WHEN_IDLE);
      assertThat(tasks).as("the model ran on this thread and handed its completion to the executor").hasSize(1);
      tasks.take().run();
      assertThat(future.get().output("int32_output").toIntArray()).containsExactly(6, 7);
    }
  }
}
