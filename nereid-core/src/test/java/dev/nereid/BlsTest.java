package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.testing.javamodels.BlsModel;
import dev.nereid.testing.javamodels.ChainModel;
import dev.nereid.testing.javamodels.CountdownModel;
import dev.nereid.testing.javamodels.ScaleModel;
import dev.nereid.testing.javamodels.StreamThroughModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Business logic scripting: Java models calling models through the in-process API. */
class BlsTest {
  @TempDir static Path repo;
  private static Server server;

  private static final String COUNTDOWN = """
      model_transaction_policy { decoupled: true }
      input [ { name: "N" data_type: TYPE_INT32 dims: [ 1 ] } ]
      output [ { name: "I" data_type: TYPE_INT32 dims: [ 1 ] } ]
      """;

  private static String chain(String add, String next) {
    return JavaModels.config(ChainModel.class, JavaModelTest.SCALE_TENSORS
        + "output [ { name: \"META\" data_type: TYPE_STRING dims: [ 1 ] } ]\n"
        + "parameters { key: \"add\" value { string_value: \"" + add + "\" } }\n"
        + (next.isEmpty() ? "" : "parameters { key: \"next\" value { string_value: \"" + next + "\" } }\n")
        + "instance_group [ { count: 1 } ]");
  }

  @BeforeAll
  static void start() {
    new TestRepository(repo)
        .model("scale", JavaModels.config(ScaleModel.class, JavaModelTest.SCALE_TENSORS), 1)
        .model("countdown", JavaModels.config(CountdownModel.class, COUNTDOWN), 1)
        .model("bls", JavaModels.config(BlsModel.class, """
            parameters { key: "target" value { string_value: "scale" } }
            parameters { key: "stream_target" value { string_value: "countdown" } }
            input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]
            output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1 ] },
                     { name: "CHILD_ID" data_type: TYPE_STRING dims: [ 1 ] },
                     { name: "ERROR" data_type: TYPE_STRING dims: [ 1 ] } ]
            """), 1)
        .model("stream_through", JavaModels.config(StreamThroughModel.class, """
            model_transaction_policy { decoupled: true }
            parameters { key: "target" value { string_value: "countdown" } }
            input [ { name: "N" data_type: TYPE_INT32 dims: [ 1 ] } ]
            output [ { name: "OUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
            """), 1)
        .model("chain_a", chain("1", "chain_b"), 1)
        .model("chain_b", chain("10", "chain_c"), 1)
        .model("chain_c", chain("100", ""), 1);
    server = new Server(ServerOptions.of(repo)).start();
    assertThat(server.ready()).as("%s", server.models()).isTrue();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  private static InferenceRequest bls(String mode, float... x) {
    return InferenceRequest.builder().requestId("parent-" + mode).parameter("mode", mode).input("X", x).build();
  }

  private static InferenceResponse call(String mode, float... x) {
    return server.model("bls").infer(bls(mode, x)).next();
  }

  @Test
  void syncCallReturnsTheOtherModelsAnswerAndPropagatesTheRequestId() {
    InferenceResponse r = call("sync", 1f, 2f);
    assertThat(r.output("Y").toFloatArray()).containsExactly(2f, 4f);
    assertThat(r.output("CHILD_ID").toStrings()).containsExactly("parent-sync");
    assertThat(r.requestId()).isEqualTo("parent-sync");
  }

  @Test
  void asyncCallAnswersAfterExecuteReturned() throws Exception {
    InferenceResponse r = server.model("bls").inferAsync(bls("async", 3f)).get(30, TimeUnit.SECONDS);
    assertThat(r.output("Y").toFloatArray()).containsExactly(6f);
    assertThat(r.output("CHILD_ID").toStrings()).containsExactly("parent-async");
  }

  @Test
  void streamingCallToADecoupledModelCollectsEveryResponse() {
    assertThat(call("stream", 0f, 0f, 0f, 0f).output("Y").toFloatArray()).containsExactly(3f, 2f, 1f, 0f);
  }

  @Test
  void decoupledModelStreamsAnotherDecoupledModelsResponsesThrough() {
    List<InferenceResponse> responses = new ArrayList<>();
    server.model("stream_through").infer(Map.of("N", new int[] {3})).forEach(responses::add);
    assertThat(responses).hasSize(4);
    assertThat(responses.subList(0, 3)).extracting(r -> r.output("OUT").toIntArray()[0]).containsExactly(2, 1, 0);
    assertThat(responses.get(3).isFinal()).isTrue();
  }

  @Test
  void errorsOfCallsAreReturnedToTheCallingModel() {
    assertThat(call("missing", 1f).output("ERROR").toStrings()[0])
        .isEqualTo("INVALID_ARGUMENT: Request for unknown model: 'no_such_model' is not found");
    assertThat(call("bad_input", 1f).output("ERROR").toStrings()[0])
        .startsWith("INVALID_ARGUMENT: ").contains("'WRONG'").contains("'scale'");
    assertThat(call("async_error", 1f).output("ERROR").toStrings()[0])
        .startsWith("INVALID_ARGUMENT: ").contains("'WRONG'");
  }

  @Test
  void anErrorTheCallingModelDoesNotCatchEndsItsRequestNamingBothModels() {
    assertThatThrownBy(() -> call("uncaught", 1f)).isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("model 'bls'").hasMessageContaining("'no_such_model' is not found");
    // The calling model's instance keeps serving.
    assertThat(call("sync", 1f).output("Y").toFloatArray()).containsExactly(2f);
  }

  @Test
  void childRequestsCarryTheParentsIdPriorityAndTimeoutDownAChain() {
    InferenceRequest request = InferenceRequest.builder().requestId("r-42").priority(3).timeoutMicros(5_000_000)
        .input("X", new float[] {0f}).build();
    InferenceResponse r = server.model("chain_a").infer(request).next();
    assertThat(r.output("Y").toFloatArray()).containsExactly(111f);
    assertThat(r.output("META").toStrings()).containsExactly("r-42/3/5000000");
  }

  @Test
  void chainOfSingleInstanceModelsCallingEachOtherNeverDeadlocks() throws Exception {
    // 16 callers at once: each one-instance model is busy while it waits for the next, so requests
    // queue at every link; all must come through.
    List<Future<InferenceResponse>> answers = new ArrayList<>();
    try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 16; i++) {
        float x = i;
        answers.add(callers.submit(() -> server.model("chain_a").infer(Map.of("X", new float[] {x})).next()));
      }
      for (int i = 0; i < 16; i++) {
        assertThat(answers.get(i).get(60, TimeUnit.SECONDS).output("Y").toFloatArray()).containsExactly(i + 111f);
      }
    }
    // Async callers too: none runs on the caller's thread.
    List<CompletableFuture<InferenceResponse>> async = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      async.add(server.model("chain_a").inferAsync(InferenceRequest.builder().input("X", new float[] {i}).build()));
    }
    for (int i = 0; i < 16; i++) {
      assertThat(async.get(i).get(60, TimeUnit.SECONDS).output("Y").toFloatArray()).containsExactly(i + 111f);
    }
    assertThat(server.model("chain_c").statistics().get(0).inferenceStats().success().count()).isGreaterThanOrEqualTo(32);
  }
}
