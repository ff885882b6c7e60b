package dev.nereid.onnxruntime;

import static dev.nereid.onnxruntime.OnnxSimpleModelTest.single;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.InferenceResponse;
import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import dev.nereid.proto.ModelConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What auto-complete reads from ONNX models: names, types, dims, batching; as Model.config() returns it. */
class OnnxAutoCompleteTest {
  @TempDir static Path dir;
  static Server server;

  @BeforeAll
  static void start() {
    new TestRepository(dir)
        .add("simple", "simple_fp32.onnx", null)
        .add("dynamic", "dynamic.onnx", null)
        .add("static", "static.onnx", null)
        .add("static_batched", "static.onnx", "max_batch_size: 4\n")
        .add("reduce", "reduce.onnx", null)
        .add("reduce_batched", "reduce.onnx", "max_batch_size: 2\n")
        .add("optional", "optional_input.onnx", null)
        .add("sequence_batched", "simple_int32.onnx", "max_batch_size: 16\nsequence_batching { }\n");
    server = new Server(ServerOptions.of(dir)).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void batchableModelGetsMaxBatchSizeFourDimsWithoutTheBatchAndDynamicBatching() {
    ModelConfig c = server.model("simple").config();
    assertThat(c.getBackend()).isEqualTo("onnxruntime");
    assertThat(c.getMaxBatchSize()).isEqualTo(4);
    assertThat(c.hasDynamicBatching()).isTrue();
    assertThat(c.getInputList()).extracting(i -> i.getName()).containsExactly("INPUT0", "INPUT1");
    assertThat(c.getInput(0).getDimsList()).containsExactly(16L);
    assertThat(c.getInput(0).getDataType().name()).isEqualTo("TYPE_FP32");
    assertThat(c.getOutputList()).extracting(o -> o.getName()).containsExactly("OUTPUT0", "OUTPUT1");
    assertThat(c.getOutput(1).getDimsList()).containsExactly(16L);
    assertThat(server.model("simple").metadata().inputs().get(0).shape()).containsExactly(-1L, 16L);
  }

  @Test
  void fullyDynamicModelKeepsItsVariableDims() {
    ModelConfig c = server.model("dynamic").config();
    assertThat(c.getMaxBatchSize()).isEqualTo(4);
    assertThat(c.getInput(0).getDimsList()).containsExactly(-1L);
    InferenceResponse r = single(server.model("dynamic").infer(Map.of("X", Tensor.of(new float[] {1, 2, 3}, 1, 3))));
    assertThat(r.output("Y").toFloatArray()).containsExactly(2, 4, 6);
  }

  @Test
  void staticModelDoesNotBatch() {
    ModelConfig c = server.model("static").config();
    assertThat(c.getMaxBatchSize()).isZero();
    assertThat(c.hasDynamicBatching()).isFalse();
    assertThat(c.getInput(0).getDimsList()).containsExactly(2L, 3L);
    InferenceResponse r = single(server.model("static").infer(Map.of("X", Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3))));
    assertThat(r.output("Y").toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
  }

  @Test
  void maxBatchSizeOnAModelThatCannotBatchIsRefusedNamingTheTensor() {
    assertThat(server.model("static_batched").state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(server.model("static_batched").reason())
        .contains("max_batch_size is 4").contains("does not support batching").contains("input 'X'").contains("[2,3]");
    assertThat(server.model("reduce_batched").state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(server.model("reduce_batched").reason()).contains("output 'Y'").contains("does not support batching");
  }

  @Test
  void scalarOutputIsDeclaredAsOneElementWithAnEmptyReshape() {
    ModelConfig c = server.model("reduce").config();
    assertThat(c.getMaxBatchSize()).isZero();
    assertThat(c.getOutput(0).getDimsList()).containsExactly(1L);
    assertThat(c.getOutput(0).hasReshape()).isTrue();
    assertThat(c.getOutput(0).getReshape().getShapeCount()).isZero();
    InferenceResponse r = single(server.model("reduce").infer(Map.of("X", Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4))));
    assertThat(r.output("Y").shape()).containsExactly(1);
    assertThat(r.output("Y").toFloatArray()).containsExactly(36);
  }

  @Test
  void optionalOnnxInputIsOptionalInTheConfigAndMayBeLeftOut() {
    ModelConfig c = server.model("optional").config();
    assertThat(c.getInput(1).getName()).isEqualTo("B");
    assertThat(c.getInput(1).getOptional()).isTrue();
    assertThat(c.getInput(1).getDimsList()).containsExactly(4L);
    assertThat(c.getInput(0).getOptional()).isFalse();

    Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4);
    InferenceResponse without = single(server.model("optional").infer(Map.of("X", x)));
    assertThat(without.output("Y").toFloatArray()).containsExactly(1, 2, 3, 4);
    InferenceResponse with = single(server.model("optional").infer(Map.of("X", x, "B", Tensor.of(new float[] {10, 20, 30, 40}))));
    assertThat(with.output("Y").toFloatArray()).containsExactly(11, 22, 33, 44);
  }

  @Test
  void explicitMaxBatchSizeAndSequenceBatchingAreKept() {
    ModelConfig c = server.model("sequence_batched").config();
    assertThat(c.getMaxBatchSize()).isEqualTo(16);
    assertThat(c.hasSequenceBatching()).isTrue();
    assertThat(c.hasDynamicBatching()).isFalse();
  }

  @Test
  void backendConfigSetsTheDefaultMaxBatchSize(@TempDir Path other) {
    new TestRepository(other).add("simple", "simple_int32.onnx", null);
    ServerOptions options = ServerOptions.builder().modelRepository(other)
        .backendConfig("onnxruntime", "default-max-batch-size", "8").build();
    try (Server s = new Server(options).start()) {
      assertThat(s.model("simple").config().getMaxBatchSize()).isEqualTo(8);
    }
  }

  @Test
  void strictConfigIsNotCompletedAndMustDeclareTheInputs(@TempDir Path other) {
    new TestRepository(other)
        .add("bare", "simple_int32.onnx", "platform: \"onnxruntime_onnx\"\n")
        .add("full", "static.onnx", """
            platform: "onnxruntime_onnx"
            input [ { name: "X" data_type: TYPE_FP32 dims: [ 2, 3 ] } ]
            output [ { name: "Y" data_type: TYPE_FP32 dims: [ 2, 3 ] } ]
            """);
    ServerOptions options = ServerOptions.builder().modelRepository(other).strictModelConfig(true).build();
    try (Server s = new Server(options).start()) {
      assertThat(s.model("bare").state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(s.model("bare").reason()).contains("needs input 'INPUT0'");
      assertThat(s.model("full").state()).isEqualTo(ModelState.READY);
    }
  }
}
