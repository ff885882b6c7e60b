package dev.nereid;

import static dev.nereid.Ensembles.FP32_IO;
import static dev.nereid.Ensembles.ensemble;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.testing.GateBackend;
import dev.nereid.testing.javamodels.LateReaderModel;
import dev.nereid.testing.javamodels.PreviousValueModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request release callback: a caller that lends input memory it reuses learns, exactly once per
 * call, when the server reads it no more: after the final response and whatever still holds the
 * inputs, or at once when the request is refused.
 */
class RequestReleaseTest {
  private static final String GATED = """
      backend: "gate"
      max_batch_size: 0
      input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
      output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
      """;

  @TempDir static Path repo;
  private static Server server;

  @BeforeAll
  static void start() {
    Ensembles.composingModels(new TestRepository(repo))
        .model("release_gated", GATED, 1)
        .model("release_queue", """
            backend: "gate"
            max_batch_size: 4
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
            dynamic_batching { default_queue_policy { max_queue_size: 1 } }
            """, 1)
        .model("release_step", GATED, 1)
        .model("release_ensemble", ensemble(FP32_IO, "release_step: INPUT0=IN -> OUTPUT0=OUT"), 1)
        .model("release_branch", GATED, 1)
        .model("release_trigger", GATED, 1)
        .model("release_failing", ensemble(FP32_IO, "release_branch: INPUT0=IN -> OUTPUT0=a",
            "release_trigger: INPUT0=IN -> OUTPUT0=t", "throwing: X=t -> Y=b", "add: A=a, B=b -> SUM=OUT"), 1)
        .model("previous_value", JavaModels.config(PreviousValueModel.class, """
            max_batch_size: 0
            input [ { name: "X" data_type: TYPE_FP32 dims: [ 1 ] } ]
            output [ { name: "Y" data_type: TYPE_FP32 dims: [ 1 ] } ]
            sequence_batching {
              state [ {
                input_name: "STATE_IN" output_name: "STATE_OUT" data_type: TYPE_FP32 dims: [ 1 ]
                initial_state { data_type: TYPE_FP32 dims: [ 1 ] zero_data: true name: "zero" }
              } ]
            }
            """), 1)
        .model("late_reader", JavaModels.config(LateReaderModel.class, JavaModelTest.SCALE_TENSORS), 1);
    server = new Server(ServerOptions.of(repo)).start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  /** Counts the runs of one request's release callback. */
  private static final class Release implements Runnable {
    final AtomicInteger runs = new AtomicInteger();
    final CompletableFuture<Void> done = new CompletableFuture<>();

    @Override
    public void run() {
      runs.incrementAndGet();
      done.complete(null);
    }

    void await() throws Exception {
      done.get(10, TimeUnit.SECONDS);
    }
  }

  private static InferenceRequest request(String input, Release release, float... values) {
    return InferenceRequest.builder().input(input, Tensor.of(values)).releaseCallback(release).build();
  }

  /** A request to a batching model: a batch of one row. */
  private static InferenceRequest batchOfOne(Release release, float... values) {
    return InferenceRequest.builder().input("INPUT0", Tensor.of(values, 1, values.length)).releaseCallback(release).build();
  }

  @Test
  void anAnsweredRequestIsReleasedOnceAfterItsFinalResponse() throws Exception {
    Release blocking = new Release();
    InferenceResponse response = server.model("identity").infer(request("INPUT0", blocking, 1f, 2f)).next();
    assertThat(response.output("OUTPUT0").toFloatArray()).containsExactly(1f, 2f);
    blocking.await();

    Release async = new Release();
    assertThat(server.model("identity").inferAsync(request("INPUT0", async, 3f)).get(10, TimeUnit.SECONDS)
        .output("OUTPUT0").toFloatArray()).containsExactly(3f);
    async.await();
    Thread.sleep(50); // a second run would come from the same thread straight after the first
    assertThat(blocking.runs).hasValue(1);
    assertThat(async.runs).hasValue(1);
  }

  @Test
  void aRefusedRequestIsReleasedBeforeTheCallReturns() {
    Release wrongType = new Release();
    CompletableFuture<InferenceResponse> refused = server.model("identity").inferAsync(InferenceRequest.builder()
        .input("INPUT0", Tensor.of(new int[] {1})).releaseCallback(wrongType).build());
    assertThat(refused).isCompletedExceptionally();
    assertThat(wrongType.runs).hasValue(1);

    Release unknownInput = new Release();
    assertThatThrownBy(() -> server.model("identity").infer(request("INPUT9", unknownInput, 1f)))
        .isInstanceOf(NereidException.InvalidArgument.class).hasMessageContaining("INPUT9");
    assertThat(unknownInput.runs).hasValue(1);

    Release unknownModel = new Release();
    assertThatThrownBy(() -> server.model("no_such_model").infer(request("INPUT0", unknownModel, 1f)))
        .isInstanceOf(NereidException.class);
    assertThat(unknownModel.runs).hasValue(1);
  }

  @Test
  void aRequestRefusedByAFullQueueIsReleasedAtOnceAndTheOthersWhenAnswered() throws Exception {
    GateBackend.Gate gate = GateBackend.gate("release_queue");
    Model model = server.model("release_queue");
    Release running = new Release();
    Release queued = new Release();
    Release refused = new Release();
    CompletableFuture<InferenceResponse> first = model.inferAsync(batchOfOne(running, 1f));
    gate.awaitEntered(1);
    CompletableFuture<InferenceResponse> second = model.inferAsync(batchOfOne(queued, 2f));
    CompletableFuture<InferenceResponse> third = model.inferAsync(batchOfOne(refused, 3f));
    assertThatThrownBy(() -> third.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(NereidException.Unavailable.class)
        .hasMessageContaining("queue is full");
    assertThat(refused.runs).hasValue(1);
    assertThat(running.runs).as("still executing").hasValue(0);
    assertThat(queued.runs).as("still queued").hasValue(0);
    gate.openWide();
    first.get(10, TimeUnit.SECONDS);
    second.get(10, TimeUnit.SECONDS);
    running.await();
    queued.await();
    assertThat(List.of(running.runs.get(), queued.runs.get(), refused.runs.get())).containsExactly(1, 1, 1);
  }

  /**
   * Cancels a call to {@code model} while the gate of {@code gated} holds its execution, and checks the
   * request is released only once the gate lets that execution finish.
   */
  private static void cancelWhileGated(String gated, String model, String input, String why) throws Exception {
    GateBackend.Gate gate = GateBackend.gate(gated);
    Release release = new Release();
    CompletableFuture<InferenceResponse> answer = server.model(model).inferAsync(request(input, release, 1f));
    gate.awaitEntered(1);
    answer.cancel(true);
    assertThatThrownBy(answer::get).isInstanceOf(CancellationException.class);
    assertThat(release.runs).as(why).hasValue(0);
    gate.open(1);
    release.await();
    assertThat(release.runs).hasValue(1);
  }

  @Test
  void aCancelledRequestIsReleasedWhenItsModelIsDoneNotWhenItIsCancelled() throws Exception {
    cancelWhileGated("release_gated", "release_gated", "INPUT0", "the model is still inside its execution, reading the inputs");
  }

  @Test
  void aCancelledEnsembleIsReleasedOnlyWhenItsRunningStepIsDone() throws Exception {
    cancelWhileGated("release_step", "release_ensemble", "IN", "the step still reads the ensemble's input");

    // Answered normally, an ensemble is released too.
    Release answered = new Release();
    GateBackend.gate("release_step").openWide();
    assertThat(server.model("release_ensemble").infer(request("IN", answered, 5f)).next().output("OUT").toFloatArray())
        .containsExactly(5f);
    answered.await();
  }

  @Test
  void anEnsembleThatFailsWhileAStepStillRunsIsReleasedWhenThatStepIsDone() throws Exception {
    GateBackend.Gate branch = GateBackend.gate("release_branch");
    GateBackend.Gate trigger = GateBackend.gate("release_trigger");
    Release release = new Release();
    CompletableFuture<InferenceResponse> answer = server.model("release_failing").inferAsync(request("IN", release, -1f));
    // Both branches are running; letting the trigger through makes 'throwing' fail on -1 while the
    // other branch still waits at its gate, reading IN.
    branch.awaitEntered(1);
    trigger.awaitEntered(1);
    trigger.open(1);
    assertThatThrownBy(() -> answer.get(10, TimeUnit.SECONDS)).hasMessageContaining("throwing");
    assertThat(release.runs).as("answered, but a step still reads the ensemble's input").hasValue(0);
    branch.open(1);
    release.await();
    assertThat(release.runs).hasValue(1);
  }

  @Test
  void aBackendHoldingTheInputsDelaysTheReleasePastItsAnswer() throws Exception {
    List<Release> releases = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Release release = new Release();
      releases.add(release);
      InferenceResponse response = server.model("late_reader").infer(request("X", release, i, 1f)).next();
      assertThat(response.output("Y").toFloatArray()).containsExactly(i, 1f);
    }
    assertThat(releases).allSatisfy(r -> assertThat(r.runs).as("held by the model").hasValue(0));
    for (int i = 0; i < 3; i++) LateReaderModel.finish();
    for (Release release : releases) release.await();
    List<Float> sums = new ArrayList<>();
    for (int i = 0; i < 3; i++) sums.add(LateReaderModel.lateSums().poll(10, TimeUnit.SECONDS));
    assertThat(sums).containsExactlyInAnyOrder(1f, 2f, 3f);
    assertThat(releases).allSatisfy(r -> assertThat(r.runs).hasValue(1));
  }

  @Test
  void aSequencesStateOutlivesTheMemoryOfTheRequestThatProducedIt() throws InterruptedException {
    // The caller reuses its input memory as soon as the request is released, as a network front end
    // reuses a pooled buffer: the state the model kept from that input must not change with it.
    ByteBuffer memory = ByteBuffer.allocateDirect(4).order(ByteOrder.LITTLE_ENDIAN);
    Model model = server.model("previous_value");
    float[] sent = {5f, 6f, 7f};
    float[] expected = {0f, 5f, 6f};
    Semaphore released = new Semaphore(0);
    for (int i = 0; i < sent.length; i++) {
      memory.putFloat(0, sent[i]);
      InferenceRequest request = InferenceRequest.builder().correlationId(42).sequenceStart(i == 0)
          .sequenceEnd(i == sent.length - 1).input("X", Tensor.of(DataType.FP32, new long[] {1}, memory))
          .releaseCallback(() -> {
            memory.putFloat(0, -1f);
            released.release();
          }).build();
      assertThat(model.infer(request).next().output("Y").toFloatArray()).as("request %d", i).containsExactly(expected[i]);
      // The release may come just after the answer; the memory is reused only once it has.
      assertThat(released.tryAcquire(10, TimeUnit.SECONDS)).as("request %d released", i).isTrue();
    }
  }
}
