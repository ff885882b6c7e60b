package dev.nereid.onnxruntime;

import static dev.nereid.onnxruntime.OnnxSimpleModelTest.single;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.ErrorCode;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inference errors as error responses with the instance still serving, and concurrent instances. */
class OnnxExecutionTest {
  @TempDir static Path dir;
  static Server server;

  @BeforeAll
  static void start() {
    new TestRepository(dir)
        .add("reshape_error", "reshape_error.onnx", null)
        .add("loose_dims", "simple_int32.onnx", """
            max_batch_size: 4
            input [
              { name: "INPUT0" data_type: TYPE_INT32 dims: [ -1 ] },
              { name: "INPUT1" data_type: TYPE_INT32 dims: [ -1 ] }
            ]
            output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
            """)
        .add("two_instances", "identity_fp32.onnx", """
            input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]
            output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1 ] } ]
            instance_group [ { count: 2 } ]
            """);
    server = new Server(ServerOptions.of(dir)).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void failureInsideOrtIsAnInternalErrorAndTheInstanceKeepsServing() {
    NereidException error = errorOf(server.model("reshape_error").inferAsync(InferenceRequest.builder()
        .input("X", Tensor.of(new float[] {1, 2, 3})).build()));
    assertThat(error.code()).isEqualTo(ErrorCode.INTERNAL);
    assertThat(error.getMessage()).contains("model 'reshape_error' version 1").contains("Reshape");

    InferenceResponse ok = single(server.model("reshape_error").infer(Map.of("X", Tensor.of(new float[] {1, 2, 3, 4}))));
    assertThat(ok.output("Y").shape()).containsExactly(2, 2);
    assertThat(ok.output("Y").toFloatArray()).containsExactly(1, 2, 3, 4);
  }

  @Test
  void inputOrtRejectsIsAnInvalidArgumentErrorAndTheInstanceKeepsServing() {
    NereidException error = errorOf(server.model("loose_dims").inferAsync(InferenceRequest.builder()
        .input("INPUT0", Tensor.of(new int[] {1, 2, 3}, 1, 3))
        .input("INPUT1", Tensor.of(new int[] {1, 2, 3}, 1, 3)).build()));
    assertThat(error.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(error.getMessage()).contains("model 'loose_dims'").contains("INPUT0");

    int[] sixteen = new int[16];
    Arrays.fill(sixteen, 3);
    InferenceResponse ok = single(server.model("loose_dims").infer(Map.of(
        "INPUT0", Tensor.of(sixteen, 1, 16), "INPUT1", Tensor.of(sixteen, 1, 16))));
    assertThat(ok.outputs()).containsOnlyKeys("OUTPUT0");
    assertThat(ok.output("OUTPUT0").toIntArray()).containsOnly(6);
  }

  /**
   * Two instances run at the same time: keeps requests queued for both instance threads and samples
   * their stacks until both are inside {@code OrtSession.run} at once.
   */
  @Test
  void twoInstancesRunConcurrently() {
    int n = 4 << 20; // 16 MiB of FP32: long enough a run to be seen
    float[] values = new float[n];
    for (int i = 0; i < n; i++) values[i] = i;
    Tensor input = Tensor.of(values);
    Deque<CompletableFuture<InferenceResponse>> inFlight = new ArrayDeque<>();
    Set<String> seenRunning = new HashSet<>();
    boolean overlapped = false;
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!overlapped && System.nanoTime() < deadline) {
      while (inFlight.size() < 4) {
        inFlight.add(server.model("two_instances").inferAsync(InferenceRequest.builder().input("X", input).build()));
      }
      Set<String> running = threadsInsideOrtRun("nereid-two_instances_");
      seenRunning.addAll(running);
      overlapped = running.size() == 2;
      while (!inFlight.isEmpty() && inFlight.peek().isDone()) {
        Tensor y = inFlight.poll().join().output("Y");
        assertThat(y.elementCount()).isEqualTo(n);
        assertThat(y.asFloatBuffer().get(n - 1)).isEqualTo(n - 1);
      }
    }
    inFlight.forEach(CompletableFuture::join);
    assertThat(seenRunning).containsExactlyInAnyOrder("nereid-two_instances_0_0", "nereid-two_instances_0_1");
    assertThat(overlapped).as("both instances inside OrtSession.run at the same moment").isTrue();
  }

  private static Set<String> threadsInsideOrtRun(String prefix) {
    Set<String> running = new HashSet<>();
    Thread.getAllStackTraces().forEach((thread, stack) -> {
      if (!thread.getName().startsWith(prefix)) return;
      for (StackTraceElement frame : stack) {
        if (frame.getClassName().equals("ai.onnxruntime.OrtSession") && frame.getMethodName().equals("run")) {
          running.add(thread.getName());
          return;
        }
      }
    });
    return running;
  }

  private static NereidException errorOf(CompletableFuture<InferenceResponse> future) {
    try {
      future.join();
    } catch (CompletionException e) {
      return (NereidException) e.getCause();
    }
    throw new AssertionError("the request succeeded");
  }
}
