package dev.nereid.tensorflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/**
 * Sequence batching on TensorFlow models, SavedModel and GraphDef: implicit state (STATE_IN fed from
 * the previous STATE_OUT, zeros at the start) and the CORRID control tensor reach the graph like inputs
 * the config does not list, several sequences share each run, and each answer is its own sequence's
 * running sum and correlation id. CORRID is INT64, or UINT64 (which TensorFlow Java cannot make tensors of:
 * fed through a carrier placeholder).
 */
class TensorFlowSequenceTest {
  private static final String SEQUENCE = """
      max_batch_size: 4
      input [ { name: "INPUT" data_type: TYPE_FP32 dims: [ 3 ] } ]
      output [ { name: "OUTPUT" data_type: TYPE_FP32 dims: [ 3 ] }, { name: "ID" data_type: %1$s dims: [ 1 ] } ]
      sequence_batching {
        max_sequence_idle_microseconds: 60000000
        oldest { max_candidate_sequences: 4 max_queue_delay_microseconds: 2000 }
        control_input [ { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: %1$s } ] } ]
        state [ {
          input_name: "STATE_IN" output_name: "STATE_OUT" data_type: TYPE_FP32 dims: [ 3 ]
          initial_state { data_type: TYPE_FP32 dims: [ 3 ] zero_data: true name: "zeros" }
        } ]
      }
      """;

  @ParameterizedTest(name = "{0}, CORRID {1}")
  @CsvSource({"tensorflow_savedmodel, INT64", "tensorflow_graphdef, INT64", "tensorflow_savedmodel, UINT64",
      "tensorflow_graphdef, UINT64"})
  void eachSequenceKeepsItsOwnStateAcrossBatchedRuns(String platform, DataType corrid, @TempDir Path dir)
      throws Exception {
    String config = "platform: \"" + platform + "\"\n" + SEQUENCE.formatted(corrid.configName());
    if (platform.equals("tensorflow_savedmodel")) {
      SavedModels.export(dir, "accumulate", config, SavedModels.accumulate(corrid));
    } else {
      try (Graph g = new Graph(); Session s = new Session(g)) {
        SavedModels.accumulate(corrid).apply(Ops.create(g), s);
        GraphDefs.write(dir, "accumulate", config, g.toGraphDef());
      }
    }
    int sequences = 4;
    int steps = 5;
    SplittableRandom random = new SplittableRandom(13);
    float[][][] inputs = new float[sequences][steps][3];
    for (float[][] seq : inputs) for (float[] step : seq) for (int i = 0; i < 3; i++) step[i] = (float) random.nextDouble(-1, 1);
    float[][] sums = new float[sequences][3];
    try (Server server = new Server(ServerOptions.of(dir)).start()) {
      assertThat(server.model("accumulate").ready()).as(server.model("accumulate").reason()).isTrue();
      for (int c = 0; c < steps; c++) {
        List<CompletableFuture<InferenceResponse>> step = new ArrayList<>();
        for (int s = 0; s < sequences; s++) {
          step.add(server.model("accumulate").inferAsync(InferenceRequest.builder()
              .correlationId(700 + s).sequenceStart(c == 0).sequenceEnd(c == steps - 1)
              .input("INPUT", Tensor.of(inputs[s][c], 1, 3)).build()));
        }
        for (int s = 0; s < sequences; s++) {
          for (int i = 0; i < 3; i++) sums[s][i] += inputs[s][c][i];
          InferenceResponse r = step.get(s).get(60, TimeUnit.SECONDS);
          assertThat(r.outputs()).containsOnlyKeys("OUTPUT", "ID");
          assertThat(r.output("OUTPUT").toFloatArray()).as("sequence %d step %d", s, c).containsExactly(sums[s]);
          assertThat(r.output("ID").dataType()).isEqualTo(corrid);
          assertThat(r.output("ID").toLongArray()).containsExactly(700L + s);
        }
      }
    }
  }
}
