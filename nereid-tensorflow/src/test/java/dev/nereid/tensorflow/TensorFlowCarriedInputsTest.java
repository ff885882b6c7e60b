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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.types.TInt64;

/**
 * SavedModels whose inputs are of types TensorFlow Java cannot make tensors of (INT8, INT16, UINT32,
 * UINT64), made by TensorFlow Java in the set-up with variables set after initialisation, so that only a
 * restore gives their values. Nereid loads them by hand: carrier placeholders, the saver's restore, the
 * init op wherever the SavedModel names it, asset files fed. Outputs are checked bit for bit against
 * values computed from the variables TensorFlow's own SavedModel loader restores from the same folder
 * (TensorFlow Java cannot feed these types, so no direct run can take the inputs themselves). Load
 * failures on this path leave the model UNAVAILABLE naming why, with TensorFlow's message where it has one.
 */
class TensorFlowCarriedInputsTest {
  private static final List<DataType> CARRIED = List.of(DataType.INT8, DataType.INT16, DataType.UINT32, DataType.UINT64);

  @TempDir static Path dir;
  static Server server;

  @BeforeAll
  static void start() throws Exception {
    for (DataType type : CARRIED) {
      // Two instances: two sessions, each restored on its own.
      SavedModels.export(dir, name(type), "instance_group [ { kind: KIND_CPU count: 2 } ]\n", SavedModels.weighted(type));
    }
    for (SavedModels.InitOp where : SavedModels.InitOp.values()) {
      Path initialized = SavedModels.export(dir, initOpModel(where), null, SavedModels::initialized);
      SavedModels.withInitOp(initialized, "set_offset", where, "vocab_path:0", SavedModels.ASSET_FILE, "a b c " + where);
    }
    SavedModels.export(dir, "not_a_placeholder", null, SavedModels::int8NotAPlaceholder);
    // Complete configs, so that auto-complete does not load these through TensorFlow's own loader first.
    String complete = """
        platform: "tensorflow_savedmodel"
        max_batch_size: 4
        dynamic_batching { }
        input [ { name: "x" data_type: TYPE_INT16 dims: [ 3 ] } ]
        output [ { name: "y" data_type: TYPE_INT64 dims: [ 3 ] }, { name: "same" data_type: TYPE_INT16 dims: [ 3 ] } ]
        """;
    Path corrupt = SavedModels.export(dir, "corrupt_variables", complete, SavedModels.weighted(DataType.INT16));
    try (Stream<Path> files = Files.list(corrupt.resolve("variables"))) {
      for (Path data : files.filter(f -> f.getFileName().toString().startsWith("variables.data")).toList()) {
        byte[] garbage = new byte[(int) Files.size(data)];
        new Random(1).nextBytes(garbage);
        Files.write(data, garbage);
      }
    }
    Path corruptGraph = SavedModels.export(dir, "corrupt_saved_model", complete, SavedModels.weighted(DataType.INT16));
    Files.write(corruptGraph.resolve("saved_model.pb"), new byte[] {(byte) 0xff, (byte) 0xff, 0x01, 0x02, 0x03});
    SavedModels.export(dir, "wrong_tag", complete + "parameters { key: \"TF_GRAPH_TAG\" value: { string_value: \"gpu\" } }\n",
        SavedModels.weighted(DataType.INT16));
    server = new Server(ServerOptions.of(dir)).start();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  private static String name(DataType type) {
    return "weighted_" + type.name().toLowerCase(Locale.ROOT);
  }

  private static InferenceResponse single(Iterable<InferenceResponse> responses) {
    List<InferenceResponse> all = new ArrayList<>();
    responses.forEach(all::add);
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  /** A variable's value as TensorFlow's own SavedModel loader restores it from the model's folder. */
  private static long[] restoredByTensorFlow(String model, String variable) {
    try (SavedModelBundle bundle = SavedModelBundle.load(dir.resolve(model).resolve("1/model.savedmodel").toString(),
            "serve");
        Result r = bundle.session().runner().fetch(variable).run()) {
      TInt64 t = (TInt64) r.get(0);
      if (t.rank() == 0) return new long[] {t.getLong()};
      long[] values = new long[(int) t.size()];
      for (int i = 0; i < values.length; i++) values[i] = t.getLong(i);
      return values;
    }
  }

  /** The elements of {@code raw} read as {@code type}, widened to long as TensorFlow's Cast to INT64 does. */
  private static long[] widened(DataType type, byte[] raw) {
    ByteBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    long[] out = new long[raw.length / type.byteSize()];
    for (int i = 0; i < out.length; i++) {
      out[i] = switch (type) {
        case INT8 -> in.get(i);
        case INT16 -> in.getShort(i * 2);
        case UINT32 -> Integer.toUnsignedLong(in.getInt(i * 4));
        case UINT64 -> in.getLong(i * 8); // the same bits
        default -> throw new IllegalArgumentException(type.toString());
      };
    }
    return out;
  }

  private static byte[] random(DataType type, int rows, long seed) {
    byte[] raw = new byte[rows * 3 * type.byteSize()];
    new Random(seed).nextBytes(raw);
    raw[raw.length - 1] = (byte) 0x80; // the top bit set: negative if signed, large if unsigned
    return raw;
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"INT8", "INT16", "UINT32", "UINT64"})
  void savedModelInputsOfTypesTensorFlowJavaCannotMakeAreServedWithTheRestoredVariables(DataType type)
      throws Exception {
    String name = name(type);
    assertThat(server.model(name).state()).as(server.model(name).reason()).isEqualTo(ModelState.READY);
    assertThat(server.model(name).config().getInput(0).getDataType().name()).isEqualTo(type.configName());
    long[] w = restoredByTensorFlow(name, "w");
    long[] b = restoredByTensorFlow(name, "b");
    assertThat(w).containsExactly(SavedModels.WEIGHT);
    assertThat(b).containsExactly(SavedModels.BIAS);

    List<byte[]> inputs = new ArrayList<>();
    List<CompletableFuture<InferenceResponse>> answers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      byte[] raw = random(type, 1 + i % 3, 31L * type.ordinal() + i);
      inputs.add(raw);
      answers.add(server.model(name).inferAsync(InferenceRequest.builder()
          .input("x", Tensor.of(type, new long[] {1 + i % 3, 3}, ByteBuffer.wrap(raw))).build()));
    }
    for (int i = 0; i < inputs.size(); i++) {
      byte[] raw = inputs.get(i);
      InferenceResponse r = answers.get(i).get();
      assertThat(r.output("same").dataType()).isEqualTo(type);
      assertThat(r.output("same").shape()).containsExactly(1 + i % 3, 3);
      assertThat(bytes(r.output("same"))).isEqualTo(raw);
      long[] x = widened(type, raw);
      long[] expected = new long[x.length];
      for (int j = 0; j < x.length; j++) expected[j] = x[j] * w[j % 3] + b[j % 3];
      assertThat(r.output("y").toLongArray()).containsExactly(expected);
    }
  }

  private static String initOpModel(SavedModels.InitOp where) {
    return "init_op_" + where.name().toLowerCase(Locale.ROOT);
  }

  @ParameterizedTest
  @EnumSource(SavedModels.InitOp.class)
  void theInitOpRunsAfterTheVariablesAreRestoredWithTheAssetFilesFed(SavedModels.InitOp where) {
    String name = initOpModel(where);
    assertThat(server.model(name).state()).as(server.model(name).reason()).isEqualTo(ModelState.READY);
    byte[] raw = {-128, -1, 0, 1, 2, 127};
    InferenceResponse r = single(server.model(name).infer(Map.of("x",
        Tensor.of(DataType.INT8, new long[] {2, 3}, ByteBuffer.wrap(raw)))));
    long offset = SavedModels.INIT_OFFSET;
    assertThat(restoredByTensorFlow(name, "offset")).containsExactly(offset); // TensorFlow's own loader agrees
    assertThat(r.output("y").toLongArray()).containsExactly(-128 + offset, -1 + offset, offset, 1 + offset,
        2 + offset, 127 + offset);
    assertThat(r.output("vocab").toByteArrays()).isDeepEqualTo(new byte[][] {("a b c " + where).getBytes(StandardCharsets.UTF_8)});
  }

  @Test
  void aCorruptVariablesFileLeavesTheModelUnavailableWithTensorFlowsMessage() {
    assertThat(server.model("corrupt_variables").state()).isEqualTo(ModelState.UNAVAILABLE);
    String reason = server.model("corrupt_variables").reason();
    assertThat(reason).contains("model 'corrupt_variables': TensorFlow cannot load model.savedmodel (tag 'serve'): ");
    // TensorFlow's own loader fails on the same folder: Nereid's reason carries its message.
    String direct = null;
    try (SavedModelBundle ignored = SavedModelBundle.load(
        dir.resolve("corrupt_variables/1/model.savedmodel").toString(), "serve")) {
      // not reached: the variables cannot be restored
    } catch (RuntimeException e) {
      direct = e.getMessage();
    }
    assertThat(direct).contains("Checksum does not match");
    assertThat(reason).contains(direct.lines().findFirst().orElseThrow());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "not_a_placeholder|input 'x' is TYPE_INT8, which TensorFlow Java 1.1.0 cannot make tensors of; Nereid feeds such "
          + "an input to a placeholder of another type bitcast to it, but its tensor 'x:0' is not a Placeholder's output",
      "corrupt_saved_model|model.savedmodel/saved_model.pb is not a SavedModel: ",
      "wrong_tag|model.savedmodel has no meta graph tagged exactly 'gpu' (its tag sets: [[serve]]); parameter "
          + "TF_GRAPH_TAG names the one to load"})
  void aSavedModelThatCannotBeLoadedByHandIsUnavailableNamingWhy(String model, String reason) {
    assertThat(server.model(model).state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(server.model(model).reason()).contains("model '" + model + "': " + reason);
  }
}
