package dev.nereid.pytorch;

import static dev.nereid.pytorch.DirectTorch.bytes;
import static dev.nereid.pytorch.TestRepository.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.ModelState;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TorchScript models made by torch 1.13 (src/test/python/generate_models.py) served by libtorch 2.7:
 * Triton's three ways of matching inputs, tuple / list / dict results, List[str] in and out, batching,
 * instance groups and the documented parameters, each output compared byte for byte with libtorch
 * called directly on the same inputs.
 */
class PyTorchModelsTest {
  private static final String ADD_SUB_INDEXED = """
      platform: "pytorch_libtorch"
      max_batch_size: 8
      input [
        { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 4 ] },
        { name: "INPUT__1" data_type: TYPE_FP32 dims: [ 4 ] }
      ]
      output [
        { name: "OUTPUT__1" data_type: TYPE_FP32 dims: [ 4 ] },
        { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 4 ] }
      ]
      """;

  @TempDir static Path dir;
  static Server server;
  static DirectTorch addSub;
  static DirectTorch mlp;

  @BeforeAll
  static void start() {
    new TestRepository(dir)
        .add("add_sub", "add_sub.pt", ADD_SUB_INDEXED)
        .add("add_sub_ordered", "add_sub.pt", """
            backend: "pytorch"
            max_batch_size: 8
            input [
              { name: "A" data_type: TYPE_INT32 dims: [ 3 ] },
              { name: "B" data_type: TYPE_INT32 dims: [ 3 ] }
            ]
            output [
              { name: "SUM" data_type: TYPE_INT32 dims: [ 3 ] },
              { name: "DIFF" data_type: TYPE_INT32 dims: [ 3 ] }
            ]
            """)
        .add("named", "named.pt", """
            backend: "pytorch"
            max_batch_size: 4
            input [
              { name: "offset" data_type: TYPE_FP32 dims: [ 2 ] },
              { name: "scale" data_type: TYPE_FP32 dims: [ 2 ] }
            ]
            output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 2 ] } ]
            """)
        .add("dict_out", "dict_out.pt", """
            backend: "pytorch"
            max_batch_size: 4
            input [ { name: "INPUT__0" data_type: TYPE_INT64 dims: [ 2 ] } ]
            output [
              { name: "negated" data_type: TYPE_INT64 dims: [ 2 ] },
              { name: "doubled" data_type: TYPE_INT64 dims: [ 2 ] }
            ]
            """)
        .add("list_out", "list_out.pt", """
            backend: "pytorch"
            max_batch_size: 4
            input [ { name: "INPUT__0" data_type: TYPE_FP64 dims: [ 3 ] } ]
            output [
              { name: "SQUARE__1" data_type: TYPE_FP64 dims: [ 3 ] },
              { name: "PLUS_ONE__0" data_type: TYPE_FP64 dims: [ 3 ] }
            ]
            """)
        .add("strings", "strings.pt", """
            backend: "pytorch"
            input [ { name: "words" data_type: TYPE_STRING dims: [ -1 ] } ]
            output [
              { name: "UPPER__0" data_type: TYPE_STRING dims: [ -1 ] },
              { name: "LENGTHS__1" data_type: TYPE_INT64 dims: [ -1 ] }
            ]
            """)
        .add("mlp", "mlp.pt", """
            backend: "pytorch"
            max_batch_size: 32
            input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 16 ] } ]
            output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 8 ] } ]
            dynamic_batching { max_queue_delay_microseconds: 20000 }
            instance_group [ { kind: KIND_CPU count: 2 } ]
            parameters { key: "INTRA_OP_THREAD_COUNT" value: { string_value: "1" } }
            """)
        .add("mlp_shared", "mlp.pt", "net.pt", """
            backend: "pytorch"
            default_model_filename: "net.pt"
            max_batch_size: 32
            input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 16 ] } ]
            output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 8 ] } ]
            instance_group [ { kind: KIND_CPU count: 2 } ]
            parameters { key: "ENABLE_WEIGHT_SHARING" value: { string_value: "true" } }
            parameters { key: "INTRA_OP_THREAD_COUNT" value: { string_value: "1" } }
            """)
        .add("mlp_any", "mlp.pt", """
            backend: "pytorch"
            max_batch_size: 4
            input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ -1 ] } ]
            output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ -1 ] } ]
            parameters { key: "INTRA_OP_THREAD_COUNT" value: { string_value: "1" } }
            """)
        .add("dict_in", "dict_in.pt", """
            backend: "pytorch"
            max_batch_size: 4
            input [ { name: "offset" data_type: TYPE_FP32 dims: [ 2 ] }, { name: "scale" data_type: TYPE_FP32 dims: [ 2 ] } ]
            output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 2 ] } ]
            """)
        .add("dict_wrong_key", "dict_out.pt", """
            backend: "pytorch"
            max_batch_size: 4
            input [ { name: "INPUT__0" data_type: TYPE_INT64 dims: [ 2 ] } ]
            output [ { name: "tripled" data_type: TYPE_INT64 dims: [ 2 ] } ]
            """)
        .add("wrong_output_type", "add_sub.pt", ADD_SUB_INDEXED.replace(
            "{ name: \"OUTPUT__1\" data_type: TYPE_FP32", "{ name: \"OUTPUT__1\" data_type: TYPE_FP64"))
        .add("configured", "add_sub.pt", ADD_SUB_INDEXED + """
            parameters { key: "DISABLE_OPTIMIZED_EXECUTION" value: { string_value: "true" } }
            parameters { key: "INFERENCE_MODE" value: { string_value: "false" } }
            parameters { key: "ENABLE_NVFUSER" value: { string_value: "true" } }
            parameters { key: "ENABLE_JIT_EXECUTOR" value: { string_value: "false" } }
            parameters { key: "ENABLE_JIT_PROFILING" value: { string_value: "false" } }
            parameters { key: "INTRA_OP_THREAD_COUNT" value: { string_value: "1" } }
            parameters { key: "INTER_OP_THREAD_COUNT" value: { string_value: "1" } }
            parameters { key: "ENABLE_CACHE_CLEANING" value: { string_value: "true" } }
            """);
    server = new Server(ServerOptions.of(dir)).start();
    addSub = new DirectTorch(TestRepository.resource("add_sub.pt"));
    mlp = new DirectTorch(TestRepository.resource("mlp.pt"));
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
    if (addSub != null) addSub.close();
    if (mlp != null) mlp.close();
  }

  @Test
  void aSingleDictArgumentGetsEveryInputUnderItsName() {
    assertThat(server.model("dict_in").state()).as(server.model("dict_in").reason()).isEqualTo(ModelState.READY);
    Tensor scale = Tensor.of(new float[] {1.5f, -2, 0.25f, 3}, 2, 2);
    Tensor offset = Tensor.of(new float[] {0.5f, 3, -1, 0}, 2, 2);
    InferenceResponse r = single(server.model("dict_in").infer(Map.of("scale", scale, "offset", offset)));
    // forward(inputs) = inputs["scale"] * 10 + inputs["offset"]: swapped keys would give other numbers
    assertThat(r.output("OUTPUT__0").toFloatArray()).containsExactly(15.5f, -17, 1.5f, 30);
    assertThat(r.output("OUTPUT__0").shape()).containsExactly(2, 2);
  }

  @Test
  void indexedNamesPickArgumentsAndTupleResultsEvenOutOfConfigOrder() {
    assertThat(server.model("add_sub").state()).isEqualTo(ModelState.READY);
    Tensor a = Tensor.of(new float[] {1.5f, 2, 3, 4, 0.1f, 0.2f, 0.3f, 1e-7f}, 2, 4);
    Tensor b = Tensor.of(new float[] {0.25f, -2, 1e6f, 7, 0.7f, 0.6f, 0.5f, 1e7f}, 2, 4);
    InferenceResponse r = single(server.model("add_sub").infer(Map.of("INPUT__0", a, "INPUT__1", b)));
    List<byte[]> direct = addSub.forward(a, b);
    assertThat(bytes(r.output("OUTPUT__0"))).isEqualTo(direct.get(0));
    assertThat(bytes(r.output("OUTPUT__1"))).isEqualTo(direct.get(1));
    assertThat(r.output("OUTPUT__0").toFloatArray()[0]).isEqualTo(1.75f);
    assertThat(r.output("OUTPUT__1").toFloatArray()[1]).isEqualTo(4f);
    assertThat(r.output("OUTPUT__0").shape()).containsExactly(2, 4);
  }

  @Test
  void otherNamesFollowTheConfigOrder() {
    InferenceResponse r = single(server.model("add_sub_ordered").infer(Map.of(
        "B", Tensor.of(new int[] {1, 2, 3}, 1, 3), "A", Tensor.of(new int[] {10, 20, 30}, 1, 3))));
    assertThat(r.output("SUM").toIntArray()).containsExactly(11, 22, 33);
    assertThat(r.output("DIFF").toIntArray()).containsExactly(9, 18, 27);
  }

  @Test
  void inputsNamedLikeForwardArgumentsAreMatchedByName() {
    // The config lists offset before scale; forward(scale, offset) must still get each by name.
    InferenceResponse r = single(server.model("named").infer(Map.of(
        "scale", Tensor.of(new float[] {1, 2}, 1, 2), "offset", Tensor.of(new float[] {0.5f, 0.25f}, 1, 2))));
    assertThat(r.output("OUTPUT__0").toFloatArray()).containsExactly(10.5f, 20.25f);
  }

  @Test
  void dictResultsAreReadByKey() {
    InferenceResponse r = single(server.model("dict_out").infer(Map.of(
        "INPUT__0", Tensor.of(new long[] {3, -4, Long.MAX_VALUE / 4, 0}, 2, 2))));
    assertThat(r.output("doubled").toLongArray()).containsExactly(6, -8, Long.MAX_VALUE / 2 - 1, 0);
    assertThat(r.output("negated").toLongArray()).containsExactly(-3, 4, -(Long.MAX_VALUE / 4), 0);
  }

  @Test
  void listResultsAreReadByIndex() {
    InferenceResponse r = single(server.model("list_out").infer(Map.of(
        "INPUT__0", Tensor.of(new double[] {1.5, -2, 0.1}, 1, 3))));
    assertThat(r.output("PLUS_ONE__0").toDoubleArray()).containsExactly(2.5, -1, 1.1);
    assertThat(r.output("SQUARE__1").toDoubleArray()).containsExactly(2.25, 4, 0.1 * 0.1);
  }

  @Test
  void stringListsGoInAndComeOutAsBytes() {
    InferenceResponse r = single(server.model("strings").infer(Map.of(
        "words", Tensor.of(new String[] {"nereid", "Grüße", ""}, 3))));
    assertThat(r.output("UPPER__0").dataType()).isEqualTo(DataType.BYTES);
    assertThat(r.output("UPPER__0").toStrings()).containsExactly("NEREID", "GRüßE", "");
    assertThat(r.output("UPPER__0").shape()).containsExactly(3);
    // TorchScript's upper() maps ASCII only, and len() counts UTF-8 bytes: the text crossed as UTF-8.
    assertThat(r.output("LENGTHS__1").toLongArray()).containsExactly(6, 7, 0);
  }

  @Test
  void aBatchRunsAsOneForwardEqualToLibtorchOnTheSameBatch() {
    Tensor batch = randomRows(new Random(1), 5);
    InferenceResponse r = single(server.model("mlp").infer(Map.of("INPUT__0", batch)));
    assertThat(r.output("OUTPUT__0").shape()).containsExactly(5, 8);
    assertThat(bytes(r.output("OUTPUT__0"))).isEqualTo(mlp.forward(batch).get(0));
  }

  @Test
  void concurrentCallersAreBatchedAndEachGetsItsOwnRows() throws Exception {
    int callers = 16;
    Random random = new Random(2);
    List<Tensor> inputs = new ArrayList<>();
    for (int i = 0; i < callers; i++) inputs.add(randomRows(random, 1 + i % 3));
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      List<Future<InferenceResponse>> answers = new ArrayList<>();
      for (Tensor input : inputs) {
        answers.add(pool.submit(() -> single(server.model("mlp").infer(Map.of("INPUT__0", input)))));
      }
      for (int i = 0; i < callers; i++) {
        float[] got = answers.get(i).get().output("OUTPUT__0").toFloatArray();
        float[] alone = Tensor.of(DataType.FP32, new long[] {inputs.get(i).dim(0), 8},
            ByteBuffer.wrap(mlp.forward(inputs.get(i)).get(0))).toFloatArray();
        // A row's result may differ in the last bits between batch sizes (libtorch's GEMM blocking).
        assertThat(got).hasSize(alone.length);
        for (int j = 0; j < got.length; j++) assertThat(got[j]).isCloseTo(alone[j], org.assertj.core.data.Offset.offset(1e-5f));
      }
    } finally {
      pool.shutdownNow();
    }
    InferenceResponse shared = single(server.model("mlp_shared").infer(Map.of("INPUT__0", inputs.get(0))));
    assertThat(bytes(shared.output("OUTPUT__0"))).isEqualTo(mlp.forward(inputs.get(0)).get(0));
  }

  @Test
  void directCallerBuffersAreReadInPlace() {
    ByteBuffer a = ByteBuffer.allocateDirect(4 * 4).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer b = ByteBuffer.allocateDirect(4 * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 4; i++) {
      a.putFloat(i);
      b.putFloat(10);
    }
    InferenceResponse r = single(server.model("add_sub").infer(Map.of(
        "INPUT__0", Tensor.of(DataType.FP32, new long[] {1, 4}, a.flip()),
        "INPUT__1", Tensor.of(DataType.FP32, new long[] {1, 4}, b.flip()))));
    assertThat(r.output("OUTPUT__0").toFloatArray()).containsExactly(10, 11, 12, 13);
  }

  @Test
  void onlyTheRequestedOutputIsReturned() {
    InferenceRequest request = InferenceRequest.builder()
        .input("INPUT__0", Tensor.of(new float[] {1, 2, 3, 4}, 1, 4))
        .input("INPUT__1", Tensor.of(new float[] {1, 1, 1, 1}, 1, 4))
        .output("OUTPUT__1")
        .build();
    InferenceResponse r = single(server.model("add_sub").infer(request));
    assertThat(r.outputs()).containsOnlyKeys("OUTPUT__1");
    assertThat(r.output("OUTPUT__1").toFloatArray()).containsExactly(0, 1, 2, 3);
  }

  @Test
  void documentedParametersAreAccepted() {
    assertThat(server.model("configured").state()).isEqualTo(ModelState.READY);
    Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4);
    InferenceResponse r = single(server.model("configured").infer(Map.of("INPUT__0", a, "INPUT__1", a)));
    assertThat(r.output("OUTPUT__0").toFloatArray()).containsExactly(2, 4, 6, 8);
  }

  @Test
  void aFailingForwardFailsTheRequestWithLibtorchsMessageAndTheModelKeepsServing() {
    // dims [-1] lets a row of 5 through the core; the MLP's first layer wants 16 features.
    assertThatThrownBy(() -> single(server.model("mlp_any").infer(Map.of("INPUT__0", Tensor.of(new float[5], 1, 5)))))
        .isInstanceOf(NereidException.Internal.class)
        .hasMessageContaining("'mlp_any'")
        .hasMessageContaining("forward() failed")
        .hasMessageContaining("mat1 and mat2 shapes cannot be multiplied");
    Tensor good = randomRows(new Random(3), 2);
    InferenceResponse r = single(server.model("mlp_any").infer(Map.of("INPUT__0", good)));
    assertThat(bytes(r.output("OUTPUT__0"))).isEqualTo(mlp.forward(good).get(0));
  }

  @Test
  void aDictWithoutTheConfiguredKeyFailsTheRequestNamingTheKeys() {
    assertThatThrownBy(() -> single(server.model("dict_wrong_key").infer(Map.of(
        "INPUT__0", Tensor.of(new long[] {1, 2}, 1, 2)))))
        .isInstanceOf(NereidException.Internal.class)
        .hasMessageContaining("forward() returned a dict without key 'tripled'")
        .hasMessageContaining("doubled").hasMessageContaining("negated");
  }

  @Test
  void anOutputOfAnotherTypeThanTheConfigFailsTheRequestNamingBoth() {
    Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4);
    assertThatThrownBy(() -> single(server.model("wrong_output_type").infer(Map.of("INPUT__0", a, "INPUT__1", a))))
        .isInstanceOf(NereidException.Internal.class)
        .hasMessageContaining("output 'OUTPUT__1' is TYPE_FP32 from the model, but the config declares TYPE_FP64");
    InferenceRequest onlyTheGoodOne = InferenceRequest.builder().input("INPUT__0", a).input("INPUT__1", a)
        .output("OUTPUT__0").build();
    assertThat(single(server.model("wrong_output_type").infer(onlyTheGoodOne)).output("OUTPUT__0").toFloatArray())
        .containsExactly(2, 4, 6, 8);
  }

  private static Tensor randomRows(Random random, int rows) {
    float[] values = new float[rows * 16];
    for (int i = 0; i < values.length; i++) values[i] = (float) random.nextGaussian();
    return Tensor.of(values, rows, 16);
  }
}
