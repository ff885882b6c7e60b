package dev.nereid.tensorflow;

import static dev.nereid.tensorflow.DirectTf.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import dev.nereid.proto.ModelConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint16;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/**
 * SavedModels made by TensorFlow Java in the set-up, served by Nereid: configs auto-completed from
 * the signature, signature selection, every type TensorFlow Java can make, strings, batching,
 * instance groups; outputs compared byte for byte with a direct TensorFlow session run. Configs that
 * disagree with the signature are refused naming the tensor.
 */
class TensorFlowModelsTest {
  @TempDir static Path dir;
  static Server server;
  static DirectTf addSub;
  static DirectTf mlp;

  @BeforeAll
  static void start() throws Exception {
    Path addSubDir = SavedModels.export(dir, "add_sub", null, SavedModels::addSub);
    SavedModels.export(dir, "product", """
        platform: "tensorflow_savedmodel"
        parameters { key: "TF_SIGNATURE_DEF" value: { string_value: "product" } }
        """, SavedModels::addSub);
    for (DataType type : List.of(DataType.BOOL, DataType.UINT8, DataType.UINT16, DataType.INT32, DataType.INT64,
        DataType.FP16, DataType.BF16, DataType.FP32, DataType.FP64)) {
      SavedModels.export(dir, "identity_" + type.name().toLowerCase(Locale.ROOT), null, SavedModels.identity(tfClass(type)));
    }
    SavedModels.export(dir, "strings", null, SavedModels::strings);
    SavedModels.export(dir, "narrow_outputs", null, SavedModels::narrowOutputs);
    SavedModels.export(dir, "fixed", null, SavedModels::fixed);
    Path mlpDir = SavedModels.export(dir, "mlp", """
        backend: "tensorflow"
        max_batch_size: 32
        dynamic_batching { max_queue_delay_microseconds: 20000 }
        instance_group [ { kind: KIND_CPU count: 2 } ]
        parameters { key: "TF_NUM_INTRA_THREADS" value: { string_value: "1" } }
        parameters { key: "TF_NUM_INTER_THREADS" value: { string_value: "1" } }
        parameters { key: "TF_USE_PER_SESSION_THREADS" value: { string_value: "yes" } }
        parameters { key: "MAX_SESSION_SHARE_COUNT" value: { string_value: "2" } }
        """, SavedModels::mlp);
    String addSubConfig = """
        platform: "tensorflow_savedmodel"
        max_batch_size: 4
        input [ { name: "x" data_type: %s dims: [ %s ] }, { name: "y" data_type: TYPE_FP32 dims: [ 4 ] } ]
        output [ { name: "sum" data_type: TYPE_FP32 dims: [ 4 ] } ]
        """;
    SavedModels.export(dir, "wrong_type", addSubConfig.formatted("TYPE_INT32", "4"), SavedModels::addSub);
    SavedModels.export(dir, "wrong_dims", addSubConfig.formatted("TYPE_FP32", "5"), SavedModels::addSub);
    SavedModels.export(dir, "wrong_name", addSubConfig.formatted("TYPE_FP32", "4").replace("\"x\"", "\"z\""),
        SavedModels::addSub);
    SavedModels.export(dir, "wrong_output", addSubConfig.formatted("TYPE_FP32", "4").replace("\"sum\"", "\"total\""),
        SavedModels::addSub);
    SavedModels.export(dir, "missing_input", """
        platform: "tensorflow_savedmodel"
        max_batch_size: 4
        input [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] } ]
        output [ { name: "sum" data_type: TYPE_FP32 dims: [ 4 ] } ]
        """, SavedModels::addSub);
    SavedModels.export(dir, "no_such_signature", """
        platform: "tensorflow_savedmodel"
        parameters { key: "TF_SIGNATURE_DEF" value: { string_value: "classify" } }
        """, SavedModels::addSub);
    SavedModels.export(dir, "bad_threads", """
        platform: "tensorflow_savedmodel"
        parameters { key: "TF_NUM_INTRA_THREADS" value: { string_value: "all" } }
        """, SavedModels::addSub);
    Path corrupt = Files.createDirectories(dir.resolve("corrupt/1/model.savedmodel"));
    Files.writeString(corrupt.resolve("saved_model.pb"), "not a SavedModel");
    Files.writeString(dir.resolve("corrupt/config.pbtxt"), """
        platform: "tensorflow_savedmodel"
        input [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] } ]
        output [ { name: "y" data_type: TYPE_FP32 dims: [ 4 ] } ]
        """);
    server = new Server(ServerOptions.of(dir)).start();
    addSub = new DirectTf(addSubDir, "serving_default");
    mlp = new DirectTf(mlpDir, "serving_default");
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
    if (addSub != null) addSub.close();
    if (mlp != null) mlp.close();
  }

  private static Class<? extends TType> tfClass(DataType type) {
    return switch (type) {
      case BOOL -> TBool.class;
      case UINT8 -> TUint8.class;
      case UINT16 -> TUint16.class;
      case INT32 -> TInt32.class;
      case INT64 -> TInt64.class;
      case FP16 -> TFloat16.class;
      case BF16 -> TBfloat16.class;
      case FP32 -> TFloat32.class;
      case FP64 -> TFloat64.class;
      default -> throw new IllegalArgumentException(type.toString());
    };
  }

  private static InferenceResponse single(Iterable<InferenceResponse> responses) {
    InferenceResponse last = null;
    int count = 0;
    for (InferenceResponse r : responses) {
      last = r;
      count++;
    }
    assertThat(count).isEqualTo(1);
    return last;
  }

  @Test
  void configIsAutoCompletedFromTheServingSignature() {
    assertThat(server.model("add_sub").state()).isEqualTo(ModelState.READY);
    ModelConfig config = server.model("add_sub").config();
    assertThat(config.getMaxBatchSize()).isEqualTo(4);
    assertThat(config.hasDynamicBatching()).isTrue();
    assertThat(config.getInputList()).extracting(i -> i.getName() + ":" + i.getDataType() + ":" + i.getDimsList())
        .containsExactly("x:TYPE_FP32:[4]", "y:TYPE_FP32:[4]");
    assertThat(config.getOutputList()).extracting(o -> o.getName() + ":" + o.getDataType() + ":" + o.getDimsList())
        .containsExactly("diff:TYPE_FP32:[4]", "sum:TYPE_FP32:[4]");
    ModelConfig fixed = server.model("fixed").config();
    assertThat(fixed.getMaxBatchSize()).isZero();
    assertThat(fixed.getInput(0).getDimsList()).containsExactly(4L);
  }

  @Test
  void outputsEqualADirectSessionRunBitForBit() {
    Tensor x = Tensor.of(new float[] {1.5f, -2, 1e-7f, 3e8f, 0.1f, 0.2f, 0.3f, 0.4f}, 2, 4);
    Tensor y = Tensor.of(new float[] {0.25f, 2, 1e7f, -1, 0.7f, 0.6f, 0.5f, 0.4f}, 2, 4);
    InferenceResponse r = single(server.model("add_sub").infer(Map.of("x", x, "y", y)));
    List<byte[]> direct = addSub.run(Map.of("x", x, "y", y), "sum", "diff");
    assertThat(bytes(r.output("sum"))).isEqualTo(direct.get(0));
    assertThat(bytes(r.output("diff"))).isEqualTo(direct.get(1));
    assertThat(r.output("sum").toFloatArray()[0]).isEqualTo(1.75f);
    assertThat(r.output("sum").shape()).containsExactly(2, 4);
  }

  @Test
  void aParameterSelectsAnotherSignature() {
    assertThat(server.model("product").config().getOutputList()).extracting(o -> o.getName()).containsExactly("product");
    InferenceResponse r = single(server.model("product").infer(Map.of(
        "x", Tensor.of(new float[] {1, 2, 3, 4}, 1, 4), "y", Tensor.of(new float[] {2, 2, 2, 0.5f}, 1, 4))));
    assertThat(r.output("product").toFloatArray()).containsExactly(2, 4, 6, 2);
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"BOOL", "UINT8", "UINT16", "INT32", "INT64", "FP16", "BF16", "FP32", "FP64"})
  void everyTypeTensorFlowJavaMakesRoundTrips(DataType type) {
    String name = "identity_" + type.name().toLowerCase(Locale.ROOT);
    assertThat(server.model(name).state()).isEqualTo(ModelState.READY);
    assertThat(server.model(name).config().getInput(0).getDataType().name()).isEqualTo(type.configName());
    byte[] raw = new byte[2 * 3 * type.byteSize()];
    new Random(type.ordinal()).nextBytes(raw);
    if (type == DataType.BOOL) for (int i = 0; i < raw.length; i++) raw[i] = (byte) (raw[i] & 1);
    Tensor in = Tensor.of(type, new long[] {2, 3}, ByteBuffer.wrap(raw));
    InferenceResponse r = single(server.model(name).infer(Map.of("in", in)));
    assertThat(r.output("out").dataType()).isEqualTo(type);
    assertThat(bytes(r.output("out"))).isEqualTo(raw);
  }

  @Test
  void outputsOfTypesTensorFlowJavaCannotMakeAreServedBitForBit() {
    assertThat(server.model("narrow_outputs").config().getOutputList())
        .extracting(o -> o.getName() + ":" + o.getDataType()).containsExactly("signed:TYPE_INT8", "unsigned:TYPE_UINT64");
    byte[] x = {0, 1, 127, (byte) 128, (byte) 200, (byte) 255};
    long[] y = {0, -1, Long.MIN_VALUE, 42, -42, Long.MAX_VALUE};
    InferenceResponse r = single(server.model("narrow_outputs").infer(Map.of(
        "x", Tensor.of(DataType.UINT8, new long[] {2, 3}, ByteBuffer.wrap(x)), "y", Tensor.of(y, 2, 3))));
    assertThat(r.output("signed").dataType()).isEqualTo(DataType.INT8);
    assertThat(r.output("signed").shape()).containsExactly(2, 3);
    assertThat(bytes(r.output("signed"))).isEqualTo(x);
    assertThat(r.output("unsigned").dataType()).isEqualTo(DataType.UINT64);
    assertThat(bytes(r.output("unsigned"))).isEqualTo(bytes(Tensor.of(y, 2, 3)));
  }

  @Test
  void bytesCrossAsTensorFlowStringsByteForByte() {
    byte[][] values = {"nereid".getBytes(StandardCharsets.UTF_8), "Grüße".getBytes(StandardCharsets.UTF_8),
        {(byte) 0xff, 0, (byte) 0xfe}, {}};
    InferenceResponse r = single(server.model("strings").infer(Map.of("text", Tensor.ofBytes(values, 2, 2))));
    assertThat(r.output("same").dataType()).isEqualTo(DataType.BYTES);
    assertThat(r.output("same").shape()).containsExactly(2, 2);
    assertThat(r.output("same").toByteArrays()).isDeepEqualTo(values);
    assertThat(r.output("length").toIntArray()).containsExactly(6, 7, 3, 0);
  }

  @Test
  void concurrentCallersAreBatchedAndEachGetsItsOwnRows() throws Exception {
    Random random = new Random(5);
    List<Tensor> inputs = new ArrayList<>();
    List<CompletableFuture<InferenceResponse>> answers = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      float[] v = new float[(1 + i % 3) * 16];
      for (int j = 0; j < v.length; j++) v[j] = (float) random.nextGaussian();
      Tensor t = Tensor.of(v, 1 + i % 3, 16);
      inputs.add(t);
      answers.add(server.model("mlp").inferAsync(InferenceRequest.builder().input("x", t).build()));
    }
    for (int i = 0; i < inputs.size(); i++) {
      float[] got = answers.get(i).get().output("y").toFloatArray();
      float[] alone = Tensor.of(DataType.FP32, new long[] {inputs.get(i).dim(0), 8},
          ByteBuffer.wrap(mlp.run(Map.of("x", inputs.get(i)), "y").get(0))).toFloatArray();
      assertThat(got).hasSize(alone.length);
      for (int j = 0; j < got.length; j++) {
        assertThat(got[j]).isCloseTo(alone[j], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
    Tensor batch = inputs.get(2);
    assertThat(bytes(single(server.model("mlp").infer(Map.of("x", batch))).output("y")))
        .isEqualTo(mlp.run(Map.of("x", batch), "y").get(0));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "wrong_type|input 'x' has data_type TYPE_INT32 in the config, but signature 'serving_default' declares TYPE_FP32",
      "wrong_dims|input 'x' has shape [-1, 5] in the config (batch dimension first), but signature 'serving_default' declares [-1, 4]",
      "wrong_name|config input 'z' is not an input of signature 'serving_default' (its inputs: [x, y])",
      "wrong_output|config output 'total' is not an output of signature 'serving_default' (its outputs: [diff, sum])",
      "missing_input|signature 'serving_default' needs input 'y', which the config does not list",
      "no_such_signature|the SavedModel has no signature 'classify'",
      "bad_threads|parameter TF_NUM_INTRA_THREADS must be an integer >= 0, got 'all'",
      "corrupt|TensorFlow cannot load model.savedmodel"})
  void configThatDisagreesWithTheModelIsRefusedNamingTheTensor(String model, String reason) {
    assertThat(server.model(model).state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(server.model(model).reason()).contains("'" + model + "'").contains(reason);
  }
}
