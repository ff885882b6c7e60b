package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.internal.request.ResponseQueue;
import dev.nereid.testing.javamodels.ThreadRecordingModel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which threads run an ensemble's steps, as the steps' model sees it: a caller that waits for its
 * answer runs every step itself while the step models are idle (no hand-off), and a step whose model is
 * busy goes to that model's instance thread as before.
 */
class PipelineThreadsTest {
  @TempDir static Path repo;
  private static Server server;

  private static String step(String scheduling) {
    return JavaModels.config(ThreadRecordingModel.class, """
        max_batch_size: 8
        input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]
        output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1 ] },
                 { name: "THREAD" data_type: TYPE_STRING dims: [ 1 ] } ]
        instance_group [ { count: 1 kind: KIND_CPU } ]
        """ + scheduling);
  }

  private static String stepCall(String model, String in, String out, String thread) {
    return "    { model_name: \"" + model + "\" model_version: -1\n"
        + "      input_map { key: \"X\" value: \"" + in + "\" }\n"
        + "      output_map { key: \"Y\" value: \"" + out + "\" }\n"
        + "      output_map { key: \"THREAD\" value: \"" + thread + "\" } }";
  }

  /**
   * A pipeline of its own per test, so that no test finds instances another one still releases; with no
   * parameter, so the default (producer threads) runs it.
   */
  private static TestRepository pipeline(TestRepository repo, String name) {
    return pipeline(repo, name, "");
  }

  private static TestRepository pipeline(TestRepository repo, String name, String parameters) {
    return repo
        // The dynamic batcher and the default scheduler both let a step run on the caller's thread.
        .model(name + "_a", step("dynamic_batching { }"), 1)
        .model(name + "_b", step(""), 1)
        .model(name + "_c", step("dynamic_batching { }"), 1)
        .model(name, """
            platform: "ensemble"
            max_batch_size: 8
            """ + parameters + """
            input [ { name: "IN" data_type: TYPE_FP32 dims: [ -1 ] } ]
            output [ { name: "OUT" data_type: TYPE_FP32 dims: [ -1 ] },
                     { name: "THREAD_A" data_type: TYPE_STRING dims: [ 1 ] },
                     { name: "THREAD_B" data_type: TYPE_STRING dims: [ 1 ] },
                     { name: "THREAD_C" data_type: TYPE_STRING dims: [ 1 ] } ]
            ensemble_scheduling { step [
            """ + String.join(",\n", stepCall(name + "_a", "IN", "a", "THREAD_A"),
                stepCall(name + "_b", "a", "b", "THREAD_B"), stepCall(name + "_c", "b", "OUT", "THREAD_C")) + "\n] }\n", 1);
  }

  @BeforeAll
  static void start() {
    TestRepository repository = new TestRepository(repo);
    for (String name : List.of("lone", "async", "busy")) pipeline(repository, name);
    pipeline(repository, "triton", "parameters { key: \"nereid_ensemble_step_thread\" value { string_value: \"instance\" } }\n");
    server = new Server(ServerOptions.of(repo)).start();
    assertThat(server.ready()).as("%s", server.models()).isTrue();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  private static InferenceRequest request(float... in) {
    return InferenceRequest.builder().input("IN", Tensor.of(in, 1, in.length)).build();
  }

  /** The answer's values and the threads that ran steps a, b and c. */
  private record Answer(float[] out, List<String> threads) {
    static Answer of(InferenceResponse r) {
      return new Answer(r.output("OUT").toFloatArray(), List.of(r.output("THREAD_A").toStrings()[0],
          r.output("THREAD_B").toStrings()[0], r.output("THREAD_C").toStrings()[0]));
    }
  }

  private static Answer infer(String pipeline, InferenceRequest request) {
    try (ResponseIterator responses = server.model(pipeline).infer(request)) {
      return Answer.of(responses.next());
    }
  }

  @Test
  void aLoneCallerRunsEveryStepOnItsOwnThread() throws Exception {
    long executedBefore = server.model("lone_b").statistics().get(0).executionCount();
    Thread caller = Thread.ofPlatform().name("lone-caller").unstarted(() -> {
      for (int i = 0; i < 5; i++) {
        Answer answer = infer("lone", request(i, 10));
        assertThat(answer.out()).containsExactly(i + 3, 13);
        assertThat(answer.threads()).containsOnly("lone-caller");
      }
    });
    CompletableFuture<Void> done = new CompletableFuture<>();
    caller.setUncaughtExceptionHandler((t, e) -> done.completeExceptionally(e));
    caller.start();
    caller.join();
    done.complete(null);
    done.get();
    // Run on the caller's thread, the steps are still counted in their models' statistics.
    assertThat(server.model("lone_b").statistics().get(0).executionCount()).isEqualTo(executedBefore + 5);
  }

  @Test
  void withInstanceStepThreadsEveryStepRunsOnItsModelsInstanceThreadAsInTriton() {
    Thread caller = Thread.currentThread();
    for (int i = 0; i < 3; i++) {
      Answer answer = infer("triton", request(i));
      assertThat(answer.out()).containsExactly(i + 3);
      assertThat(answer.threads()).doesNotContain(caller.getName())
          .containsExactly("nereid-triton_a_0_0", "nereid-triton_b_0_0", "nereid-triton_c_0_0");
    }
  }

  @Test
  void anUnknownStepThreadValueLeavesTheEnsembleUnavailableSayingWhy(@TempDir Path own) {
    pipeline(new TestRepository(own), "odd",
        "parameters { key: \"nereid_ensemble_step_thread\" value { string_value: \"caller\" } }\n");
    try (Server odd = new Server(ServerOptions.of(own)).start()) {
      ModelIndexEntry entry = odd.models().get(new ModelKey("odd", 1));
      assertThat(entry.state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(entry.reason()).contains("nereid_ensemble_step_thread").contains("'instance' or 'producer', got 'caller'");
      assertThat(odd.models().get(new ModelKey("odd_a", 1)).state()).isEqualTo(ModelState.READY);
    }
  }

  @Test
  void aCallerThatDoesNotWaitHasItsStepsRunOnInstanceThreads() throws Exception {
    InferenceResponse response = server.model("async").inferAsync(request(1)).get(30, TimeUnit.SECONDS);
    Answer answer = Answer.of(response);
    assertThat(answer.out()).containsExactly(4);
    assertThat(answer.threads()).containsExactly("nereid-async_a_0_0", "nereid-async_b_0_0", "nereid-async_c_0_0");
  }

  @Test
  void aStepWhoseModelIsBusyGoesToItsInstanceThread() throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(2, r -> new Thread(r, "busy-caller"));
    try {
      // The first request holds busy_b's only instance on its caller's thread (step a turns -2 into -1).
      Future<Answer> holder = callers.submit(() -> infer("busy", request(-2)));
      ThreadRecordingModel.held();
      CompletableFuture<Thread> otherThread = new CompletableFuture<>();
      Future<Answer> other = callers.submit(() -> {
        otherThread.complete(Thread.currentThread());
        return infer("busy", request(5));
      });
      // The second caller waits for its answer only once its steps ran or were queued: step b is busy,
      // so it is in busy_b's queue by then.
      awaitWaitingForAnswer(otherThread.get(30, TimeUnit.SECONDS));
      ThreadRecordingModel.open();
      Answer held = holder.get(30, TimeUnit.SECONDS);
      assertThat(held.out()).containsExactly(1);
      // (Its step c may find busy_c taken by the other request's step c: no claim on that thread.)
      assertThat(held.threads().subList(0, 2)).containsOnly("busy-caller");
      Answer queued = other.get(30, TimeUnit.SECONDS);
      assertThat(queued.out()).containsExactly(8);
      // Step a ran on its caller; step b waited for its instance, whose own thread then ran it; that
      // thread handed step c on to step c's instance thread rather than running another model itself.
      assertThat(queued.threads()).containsExactly("busy-caller", "nereid-busy_b_0_0", "nereid-busy_c_0_0");
    } finally {
      ThreadRecordingModel.open();
      callers.shutdownNow();
    }
  }

  /** Waits (up to 30 s) until the thread is parked on a response queue: blocked in {@code infer}'s answer. */
  private static void awaitWaitingForAnswer(Thread caller) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!(LockSupport.getBlocker(caller) instanceof ResponseQueue)) {
      if (System.nanoTime() > deadline) throw new AssertionError(caller + " never waited for its answer");
      Thread.sleep(1);
    }
  }
}
