package dev.nereid;

import static dev.nereid.Ensembles.FP32_IO;
import static dev.nereid.Ensembles.INT_IO;
import static dev.nereid.Ensembles.ensemble;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.testing.javamodels.GatedCountdownModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ensembles: execution as a data-flow graph, decoupled steps, errors, statistics, and validation at load. */
class EnsembleTest {
  @TempDir static Path repo;
  private static Server server;

  @BeforeAll
  static void start() {
    Ensembles.composingModels(new TestRepository(repo))
        .model("chain", ensemble(FP32_IO,
            "identity: INPUT0=IN -> OUTPUT0=t1", "double: X=t1 -> Y=t2", "triple: X=t2 -> Y=OUT"), 1)
        .model("diamond", ensemble(FP32_IO, "identity: INPUT0=IN -> OUTPUT0=t0", "branch_a: X=t0 -> Y=a",
            "branch_b: X=t0 -> Y=b", "add: A=a, B=b -> SUM=OUT"), 1)
        .model("stream", ensemble(INT_IO, "square: IN=IN -> OUT=n", "identity_int: INPUT0=n -> OUTPUT0=OUT"), 1)
        .model("gated_stream", ensemble(INT_IO,
            "gated_countdown: N=IN -> I=i", "identity_int: INPUT0=i -> OUTPUT0=OUT"), 1)
        .model("failing", ensemble(FP32_IO, "identity: INPUT0=IN -> OUTPUT0=t", "throwing: X=t -> Y=OUT"), 1)
        // One of each validation error.
        .model("bad_unknown", ensemble(FP32_IO, "nope: INPUT0=IN -> OUTPUT0=OUT"), 1)
        .model("bad_unmapped_tensor", ensemble(FP32_IO, "identity: INPUT0=ghost -> OUTPUT0=OUT"), 1)
        .model("bad_twice", ensemble(FP32_IO, "identity: INPUT0=IN -> OUTPUT0=OUT", "double: X=IN -> Y=OUT"), 1)
        .model("bad_unmapped_input", ensemble(FP32_IO, "add: A=IN -> SUM=OUT"), 1)
        .model("bad_no_such_input", ensemble(FP32_IO, "identity: INPUT0=IN, INPUT9=IN -> OUTPUT0=OUT"), 1)
        .model("bad_no_such_output", ensemble(FP32_IO, "identity: INPUT0=IN -> OUTPUT7=OUT"), 1)
        .model("bad_type", ensemble(FP32_IO, "identity: INPUT0=IN -> OUTPUT0=t", "identity_int: INPUT0=t -> OUTPUT0=OUT"), 1)
        .model("bad_shape", ensemble("""
            input [ { name: "IN" data_type: TYPE_FP32 dims: [ 2 ] } ]
            output [ { name: "OUT" data_type: TYPE_FP32 dims: [ 3 ] } ]
            """, "identity_fixed3: INPUT0=IN -> OUTPUT0=OUT"), 1)
        .model("bad_cycle", ensemble(FP32_IO,
            "identity: INPUT0=b -> OUTPUT0=a", "double: X=a -> Y=b", "triple: X=a -> Y=OUT"), 1)
        .model("bad_output", ensemble(FP32_IO, "identity: INPUT0=IN -> OUTPUT0=t"), 1)
        .model("bad_scopes", ensemble(INT_IO,
            "square: IN=IN -> OUT=n", "identity_int2: INPUT0=IN, INPUT1=n -> OUTPUT0=OUT"), 1)
        .model("bad_self", ensemble(FP32_IO, "bad_self: IN=IN -> OUT=OUT"), 1);
    server = new Server(ServerOptions.of(repo)).start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  private static float[] run(String ensemble, float... in) {
    return server.model(ensemble).infer(Map.of("IN", in)).next().output("OUT").toFloatArray();
  }

  @Test
  void linearChainRunsItsStepsInOrder() {
    Model chain = server.model("chain");
    assertThat(chain.ready()).isTrue();
    assertThat(run("chain", 1f, -2f)).containsExactly(6f, -12f);
    assertThat(chain.decoupled()).isFalse();
    assertThat(chain.metadata().platform()).isEqualTo("ensemble");
    assertThat(chain.config().getBackend()).isEmpty();
  }

  @Test
  void diamondRunsItsIndependentBranchesConcurrently() {
    // Each branch waits at a barrier until the other one executes too: run one after the other, the
    // first would give up after 10 s and the request would fail.
    assertThat(run("diamond", 1f, 2f)).containsExactly(110f, 220f);
    assertThat(run("diamond", 3f)).containsExactly(330f);
  }

  @Test
  void decoupledStepStreamsThroughAndMakesTheEnsembleDecoupled() {
    assertThat(server.model("stream").decoupled()).isTrue();
    List<InferenceResponse> responses = new ArrayList<>();
    server.model("stream").infer(Map.of("IN", new int[] {3})).forEach(responses::add);
    assertThat(responses).hasSize(4);
    assertThat(responses.subList(0, 3)).extracting(r -> r.output("OUT").toIntArray()[0]).containsExactly(3, 3, 3);
    assertThat(responses.subList(0, 3)).extracting(InferenceResponse::isFinal).containsOnly(false);
    assertThat(responses.get(3).isFinal()).isTrue();
    assertThat(responses.get(3).outputs()).isEmpty();
  }

  @Test
  void eachResponseOfADecoupledStepReachesTheCallerBeforeTheStepSendsTheNext() {
    // The step sends its next response only once the test has received the previous one.
    try (ResponseIterator responses = server.model("gated_stream").infer(Map.of("IN", new int[] {3}))) {
      List<Integer> received = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        InferenceResponse r = responses.next();
        assertThat(r.isFinal()).isFalse();
        received.add(r.output("OUT").toIntArray()[0]);
        GatedCountdownModel.next();
      }
      assertThat(received).containsExactly(2, 1, 0);
      InferenceResponse last = responses.next();
      assertThat(last.isFinal()).isTrue();
      assertThat(last.error()).isEmpty();
    }
  }

  @Test
  void aFailingStepEndsTheRequestWithAnErrorNamingTheStepAndModel() {
    assertThatThrownBy(() -> run("failing", -1f)).isInstanceOf(NereidException.Internal.class)
        .hasMessageContaining("in ensemble 'failing', step 1 (model 'throwing') failed")
        .hasMessageContaining("java.lang.IllegalArgumentException: negative values are not allowed");
    assertThatThrownBy(() -> run("failing", -2f)).isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("step 1 (model 'throwing')").hasMessageContaining("the model refuses -2");
    assertThat(run("failing", 4f)).containsExactly(4f);
  }

  @Test
  void invalidRequestsToAnEnsembleFailLikeAnyModels() {
    assertThatThrownBy(() -> server.model("chain").infer(Map.of("WRONG", new float[] {1f})))
        .isInstanceOf(NereidException.InvalidArgument.class).hasMessageContaining("'WRONG'").hasMessageContaining("'chain'");
  }

  @Test
  void statisticsCountTheEnsembleAndItsComposingModels() {
    long chainBefore = successes("chain");
    long doubleBefore = successes("double");
    long identityBefore = successes("identity");
    for (int i = 0; i < 5; i++) run("chain", i);
    TestRepository.await("statistics of 5 requests", java.time.Duration.ofSeconds(10),
        () -> successes("chain") == chainBefore + 5 && successes("double") == doubleBefore + 5
            && successes("identity") >= identityBefore + 5);
    ModelStatistics stats = server.model("chain").statistics().get(0);
    assertThat(stats.inferenceStats().success().ns()).isPositive();
    assertThat(server.statistics()).extracting(ModelStatistics::name).contains("chain", "identity", "double", "triple");
  }

  private static long successes(String model) {
    return server.model(model).statistics().get(0).inferenceStats().success().count();
  }

  @Test
  void eachValidationErrorLeavesTheEnsembleUnavailableWithAReasonNamingTheStep() {
    assertThat(reason("bad_unknown")).contains("in ensemble 'bad_unknown', step 0 (model 'nope'): the composing model "
        + "is not available: Request for unknown model: 'nope' is not found");
    assertThat(reason("bad_unmapped_tensor")).contains("in ensemble 'bad_unmapped_tensor', step 0 (model 'identity') "
        + "reads tensor 'ghost' (for its input 'INPUT0'), which is neither an ensemble input nor the output of any step");
    assertThat(reason("bad_twice")).contains("in ensemble 'bad_twice', tensor 'OUT' is produced twice: by step 0 "
        + "(model 'identity') output 'OUTPUT0' and by step 1 (model 'double') output 'Y'");
    assertThat(reason("bad_unmapped_input")).contains("in ensemble 'bad_unmapped_input', step 0 (model 'add'): input "
        + "'B' of model 'add' is not mapped to any ensemble tensor");
    assertThat(reason("bad_no_such_input")).contains("step 0 (model 'identity'): input_map names 'INPUT9', which is "
        + "not an input of model 'identity'; its inputs are ['INPUT0']");
    assertThat(reason("bad_no_such_output")).contains("step 0 (model 'identity'): output_map names 'OUTPUT7', which is "
        + "not an output of model 'identity'; its outputs are ['OUTPUT0']");
    assertThat(reason("bad_type")).contains("in ensemble 'bad_type', step 1 (model 'identity_int') input 'INPUT0' reads "
        + "tensor 't' as TYPE_INT32, but step 0 (model 'identity') output 'OUTPUT0' produces it as TYPE_FP32");
    assertThat(reason("bad_shape")).contains("in ensemble 'bad_shape', step 0 (model 'identity_fixed3') input 'INPUT0' "
        + "reads tensor 'IN' with shape [3], but ensemble input 'IN' produces it with shape [2]");
    assertThat(reason("bad_cycle")).contains("in ensemble 'bad_cycle', steps form a cycle: ")
        .containsAnyOf("step 0 (model 'identity') -> step 1 (model 'double') -> step 0 (model 'identity')",
            "step 1 (model 'double') -> step 0 (model 'identity') -> step 1 (model 'double')");
    assertThat(reason("bad_output")).contains("in ensemble 'bad_output', ensemble output 'OUT' is not produced by any step");
    assertThat(reason("bad_scopes")).contains("in ensemble 'bad_scopes', step 1 (model 'identity_int2') reads tensors "
        + "that come from different decoupled steps");
    assertThat(reason("bad_self")).contains("in ensemble 'bad_self', step 0 (model 'bad_self') uses the ensemble itself");
    for (String bad : List.of("bad_unknown", "bad_twice", "bad_cycle", "bad_scopes")) {
      assertThat(server.model(bad).state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThatThrownBy(() -> run(bad, 1f)).isInstanceOf(NereidException.Unavailable.class);
    }
    // The valid ensembles beside them serve.
    assertThat(run("chain", 1f)).containsExactly(6f);
  }

  private static String reason(String model) {
    return server.model(model).reason();
  }
}
