package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every data type goes through the tutorial's identity model and comes back bit for bit. */
class IdentityDataTypesTest {
  private static Server server;

  @BeforeAll
  static void start() {
    server = new Server(ServerOptions.of(HelloWorldTest.EXAMPLES)).start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  static String prefix(DataType type) {
    return type == DataType.BYTES ? "string" : type.name().toLowerCase(java.util.Locale.ROOT);
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void roundTripsEveryType(DataType type) {
    Tensor input = sample(type);
    InferenceResponse response = single(server.model("identity").infer(Map.of(prefix(type) + "_input", input)));
    Tensor output = response.output(prefix(type) + "_output");
    assertThat(output.dataType()).isEqualTo(type);
    assertThat(output.shape()).containsExactly(2, 3);
    assertThat(bytes(output.data())).isEqualTo(bytes(input.data()));
    assertThat(response.model()).isEqualTo("identity");
    assertThat(response.modelVersion()).isEqualTo(1);
    assertThat(response.isFinal()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"BYTES", "FP16"})
  void javaValuesAreTypedByTheConfig(DataType type) {
    Object value = type == DataType.BYTES ? new String[][] {{"a", "b"}} : List.of(List.of(1.5, -2));
    InferenceResponse response = single(server.model("identity").infer(Map.of(prefix(type) + "_input", value)));
    Tensor output = response.output(prefix(type) + "_output");
    assertThat(output.dataType()).isEqualTo(type);
    if (type == DataType.BYTES) {
      assertThat(output.toStrings()).containsExactly("a", "b");
    } else {
      assertThat(output.toFloatArray()).containsExactly(1.5f, -2f);
    }
  }

  static InferenceResponse single(ResponseIterator responses) {
    List<InferenceResponse> all = new java.util.ArrayList<>();
    responses.forEach(all::add);
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  static Tensor sample(DataType type) {
    long[] shape = {2, 3};
    if (type == DataType.BYTES) {
      return Tensor.of(new String[] {"zero", "", "two", "three", "four", "ünï"}, shape);
    }
    ByteBuffer data = ByteBuffer.allocateDirect(6 * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < data.capacity(); i++) data.put(i, (byte) (i * 37 + 11));
    if (type == DataType.BOOL) {
      for (int i = 0; i < 6; i++) data.put(i, (byte) (i % 2));
    }
    return Tensor.of(type, shape, data);
  }

  static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  static Path examples() {
    return HelloWorldTest.EXAMPLES;
  }
}
