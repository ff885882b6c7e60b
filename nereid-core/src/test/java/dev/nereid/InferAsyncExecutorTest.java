package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link Model#inferAsync(InferenceRequest, java.util.concurrent.Executor)} completes on the caller's
 * executor, and with {@link CallerThread#RUNS_WHEN_IDLE} runs the model on the calling thread when it can.
 */
class InferAsyncExecutorTest {
  @Test
  void completesOnlyThroughTheGivenExecutor() throws Exception {
    BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    try (Server server = new Server(ServerOptions.of(Path.of("..", "examples", "models"))).start()) {
      CompletableFuture<InferenceResponse> future = server.model("identity").inferAsync(
          InferenceRequest.builder().input("int32_input", new int[][] {{4, 5}}).build(), tasks::add);
      Runnable completion = tasks.poll(10, TimeUnit.SECONDS);
      assertThat(completion).as("the model answered through the executor").isNotNull();
      assertThat(future).isNotDone(); // held until the executor runs the task
      completion.run();
      assertThat(future).isDone();
      assertThat(future.get().output("int32_output").toIntArray()).containsExactly(4, 5);
    }
  }

  @Test
  void runHereWhenIdleRunsTheModelOnTheCallingThread() throws Exception {
    BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    try (Server server = new Server(ServerOptions.of(Path.of("..", "examples", "models"))).start()) {
      CompletableFuture<InferenceResponse> future = server.model("identity").inferAsync(
          InferenceRequest.builder().input("int32_input", new int[][] {{6, 7}}).build(), tasks::add, CallerThread.RUNS_WHEN_IDLE);
      // Nothing queued and an idle instance: the model has run before inferAsync returned.
      assertThat(tasks).as("the completion was handed to the executor on this thread").hasSize(1);
      assertThat(future).isNotDone();
      tasks.take().run();
      assertThat(future.get().output("int32_output").toIntArray()).containsExactly(6, 7);
    }
  }
}
