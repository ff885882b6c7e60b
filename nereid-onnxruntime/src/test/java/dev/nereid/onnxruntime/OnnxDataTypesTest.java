package dev.nereid.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.DataType;
import dev.nereid.InferenceResponse;
import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import dev.nereid.proto.ModelConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every element type ORT serves, through a model that returns its input unchanged (Y) and cast to
 * double (Y_FP64): Y proves the bytes round-trip, Y_FP64 that ORT read them as the right type.
 */
class OnnxDataTypesTest {
  @TempDir static Path dir;
  static Server server;

  @BeforeAll
  static void start() {
    TestRepository repo = new TestRepository(dir);
    for (Arguments a : cases().toList()) {
      String type = (String) a.get()[0];
      repo.add("type_" + type, "types/" + type + ".onnx", null);
    }
    repo.add("strings", "string_identity.onnx", null);
    server = new Server(ServerOptions.of(dir)).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("bool", DataType.BOOL, (Consumer<ByteBuffer>) b -> b.put((byte) 1).put((byte) 0).put((byte) 1)
            .put((byte) 1), new double[] {1, 0, 1, 1}),
        Arguments.of("uint8", DataType.UINT8, (Consumer<ByteBuffer>) b -> b.put((byte) 0).put((byte) 1)
            .put((byte) 200).put((byte) 255), new double[] {0, 1, 200, 255}),
        Arguments.of("uint16", DataType.UINT16, (Consumer<ByteBuffer>) b -> b.putShort((short) 0).putShort((short) 1)
            .putShort((short) 40000).putShort((short) 65535), new double[] {0, 1, 40000, 65535}),
        Arguments.of("uint32", DataType.UINT32, (Consumer<ByteBuffer>) b -> b.putInt(0).putInt(1)
            .putInt((int) 3_000_000_000L).putInt(-1), new double[] {0, 1, 3e9, 4294967295d}),
        Arguments.of("uint64", DataType.UINT64, (Consumer<ByteBuffer>) b -> b.putLong(0).putLong(1)
            .putLong(Long.MIN_VALUE).putLong(-1), new double[] {0, 1, 0x1p63, 0x1p64}),
        Arguments.of("int8", DataType.INT8, (Consumer<ByteBuffer>) b -> b.put((byte) -128).put((byte) -1).put((byte) 0)
            .put((byte) 127), new double[] {-128, -1, 0, 127}),
        Arguments.of("int16", DataType.INT16, (Consumer<ByteBuffer>) b -> b.putShort((short) -32768)
            .putShort((short) -1).putShort((short) 0).putShort((short) 32767), new double[] {-32768, -1, 0, 32767}),
        Arguments.of("int32", DataType.INT32, (Consumer<ByteBuffer>) b -> b.putInt(Integer.MIN_VALUE).putInt(-1)
            .putInt(0).putInt(Integer.MAX_VALUE), new double[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}),
        Arguments.of("int64", DataType.INT64, (Consumer<ByteBuffer>) b -> b.putLong(Long.MIN_VALUE).putLong(-1)
            .putLong(0).putLong(1L << 53), new double[] {-0x1p63, -1, 0, 0x1p53}),
        // FP16 bits: 1.0, -2.0, 0.5, 65504 (the largest half)
        Arguments.of("fp16", DataType.FP16, (Consumer<ByteBuffer>) b -> b.putShort((short) 0x3C00)
            .putShort((short) 0xC000).putShort((short) 0x3800).putShort((short) 0x7BFF), new double[] {1, -2, 0.5, 65504}),
        // BF16 bits: 1.0, -2.0, 0.5, 3.0
        Arguments.of("bf16", DataType.BF16, (Consumer<ByteBuffer>) b -> b.putShort((short) 0x3F80)
            .putShort((short) 0xC000).putShort((short) 0x3F00).putShort((short) 0x4040), new double[] {1, -2, 0.5, 3}),
        Arguments.of("fp32", DataType.FP32, (Consumer<ByteBuffer>) b -> b.putFloat(1.5f).putFloat(-2.25f).putFloat(0f)
            .putFloat(1e30f), new double[] {1.5, -2.25, 0, (double) 1e30f}),
        Arguments.of("fp64", DataType.FP64, (Consumer<ByteBuffer>) b -> b.putDouble(1e300).putDouble(-1e-300)
            .putDouble(0).putDouble(Math.PI), new double[] {1e300, -1e-300, 0, Math.PI}));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("cases")
  void roundTripsAndIsReadAsItsType(String name, DataType type, Consumer<ByteBuffer> fill, double[] asDoubles) {
    for (boolean direct : new boolean[] {true, false}) {
      ByteBuffer data = (direct ? ByteBuffer.allocateDirect(4 * type.byteSize()) : ByteBuffer.allocate(4 * type.byteSize()))
          .order(ByteOrder.LITTLE_ENDIAN);
      fill.accept(data);
      data.flip();
      Tensor input = Tensor.of(type, new long[] {1, 4}, data);

      InferenceResponse r = OnnxSimpleModelTest.single(server.model("type_" + name).infer(Map.of("X", input)));

      Tensor y = r.output("Y");
      assertThat(y.dataType()).isEqualTo(type);
      assertThat(y.shape()).containsExactly(1, 4);
      assertThat(y.isDirect()).isTrue();
      assertThat(y.data()).isEqualTo(input.data());
      assertThat(r.output("Y_FP64").toDoubleArray()).containsExactly(asDoubles);
    }
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("cases")
  void autoCompleteTakesTheTypeFromTheModel(String name, DataType type) {
    ModelConfig config = server.model("type_" + name).config();
    assertThat(config.getInput(0).getDataTypeValue()).isEqualTo(type.configNumber());
    assertThat(config.getOutput(0).getDataTypeValue()).isEqualTo(type.configNumber());
    assertThat(config.getOutput(1).getDataType().name()).isEqualTo("TYPE_FP64");
    assertThat(server.model("type_" + name).metadata().inputs().get(0).datatype())
        .isEqualTo(type.name().toUpperCase(Locale.ROOT));
  }

  @Test
  void stringsRoundTripAsOrtStringTensors() {
    assertThat(server.model("strings").state()).isEqualTo(ModelState.READY);
    assertThat(server.model("strings").config().getInput(0).getDataType().name()).isEqualTo("TYPE_STRING");
    String[] words = {"hello", "wörld ✓", "", "a longer string with spaces"};
    InferenceResponse r = OnnxSimpleModelTest.single(
        server.model("strings").infer(Map.of("INPUT0", Tensor.of(words, 2, 2))));
    Tensor out = r.output("OUTPUT0");
    assertThat(out.dataType()).isEqualTo(DataType.BYTES);
    assertThat(out.shape()).containsExactly(2, 2);
    assertThat(out.toStrings()).containsExactly(words);
  }

  @Test
  void bytesThatAreNotUtf8AreRefusedNotAltered() {
    byte[][] elements = {"fine".getBytes(java.nio.charset.StandardCharsets.UTF_8), {(byte) 0xff, (byte) 0xfe}};
    var response = server.model("strings").infer(Map.of("INPUT0", Tensor.ofBytes(elements, 1, 2))).raiseOnError(false).next();
    assertThat(response.error()).isPresent();
    assertThat(response.error().get().code()).isEqualTo(dev.nereid.ErrorCode.INVALID_ARGUMENT);
    assertThat(response.error().get().getMessage()).contains("model 'strings'").contains("input 'INPUT0'")
        .contains("element 1 is not valid UTF-8");
    InferenceResponse ok = OnnxSimpleModelTest.single(
        server.model("strings").infer(Map.of("INPUT0", Tensor.of(new String[] {"still", "serving"}, 1, 2))));
    assertThat(ok.output("OUTPUT0").toStrings()).containsExactly("still", "serving");
  }
}
