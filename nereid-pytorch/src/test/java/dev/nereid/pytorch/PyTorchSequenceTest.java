package dev.nereid.pytorch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sequence batching with implicit state on a TorchScript model ({@code accumulate.pt}: forward(input,
 * state) returns the running sum twice, as output and as next state). The server keeps each sequence's
 * state, the state tensors follow Triton's {@code __<index>} naming like any input, and several
 * sequences share each forward; every answer equals libtorch called directly with the state threaded
 * by hand, bit for bit.
 */
class PyTorchSequenceTest {
  private static final String CONFIG = """
      backend: "pytorch"
      max_batch_size: 4
      input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 3 ] } ]
      output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 3 ] } ]
      sequence_batching {
        max_sequence_idle_microseconds: 60000000
        oldest { max_candidate_sequences: 4 max_queue_delay_microseconds: 2000 }
        state [ {
          input_name: "STATE__1" output_name: "STATE_OUT__1" data_type: TYPE_FP32 dims: [ 3 ]
          initial_state { data_type: TYPE_FP32 dims: [ 3 ] zero_data: true name: "zeros" }
        } ]
      }
      """;

  @Test
  void eachSequenceKeepsItsOwnStateAcrossBatchedRuns(@TempDir Path dir) throws Exception {
    int sequences = 4;
    int steps = 6;
    SplittableRandom random = new SplittableRandom(9);
    float[][][] inputs = new float[sequences][steps][3];
    for (float[][] s : inputs) for (float[] step : s) for (int i = 0; i < 3; i++) step[i] = (float) random.nextDouble(-1, 1);

    List<List<byte[]>> expected = new ArrayList<>();
    try (DirectTorch direct = new DirectTorch(TestRepository.resource("accumulate.pt"))) {
      for (float[][] s : inputs) {
        List<byte[]> outputs = new ArrayList<>();
        Tensor state = Tensor.of(new float[3], 1, 3);
        for (float[] step : s) {
          List<byte[]> out = direct.forward(Tensor.of(step, 1, 3), state);
          outputs.add(out.get(0));
          state = Tensor.of(dev.nereid.DataType.FP32, new long[] {1, 3}, ByteBuffer.wrap(out.get(1)));
        }
        expected.add(outputs);
      }
    }

    new TestRepository(dir).add("accumulate", "accumulate.pt", CONFIG);
    try (Server server = new Server(ServerOptions.of(dir)).start()) {
      assertThat(server.model("accumulate").ready()).as(server.model("accumulate").reason()).isTrue();
      for (int c = 0; c < steps; c++) {
        List<CompletableFuture<InferenceResponse>> step = new ArrayList<>();
        for (int s = 0; s < sequences; s++) {
          step.add(server.model("accumulate").inferAsync(InferenceRequest.builder()
              .correlationId(500 + s).sequenceStart(c == 0).sequenceEnd(c == steps - 1)
              .input("INPUT__0", Tensor.of(inputs[s][c], 1, 3)).build()));
        }
        for (int s = 0; s < sequences; s++) {
          InferenceResponse r = step.get(s).get(30, TimeUnit.SECONDS);
          assertThat(r.outputs()).containsOnlyKeys("OUTPUT__0");
          assertThat(DirectTorch.bytes(r.output("OUTPUT__0"))).as("sequence %d step %d", s, c)
              .isEqualTo(expected.get(s).get(c));
        }
      }
      // The sums move with the inputs: a stateless model would answer the last input alone.
      float last = ByteBuffer.wrap(expected.get(0).get(steps - 1)).order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
      assertThat(last).isNotEqualTo(inputs[0][steps - 1][0]);
    }
  }
}
