package dev.nereid.pytorch;

import static dev.nereid.pytorch.DirectTorch.bytes;
import static dev.nereid.pytorch.TestRepository.single;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.DataType;
import dev.nereid.InferenceResponse;
import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every tensor type libtorch and Triton's PyTorch backend share, through one TorchScript file
 * ({@code flip.pt}, which reverses the last dimension for any dtype): the bytes Nereid returns equal
 * libtorch's own on the same input, and are the input's elements reversed. The unsigned 16-64 bit
 * types, which libtorch has no tensors for, are refused at load naming the tensor.
 */
class PyTorchDataTypesTest {
  private static final EnumSet<DataType> UNSUPPORTED = EnumSet.of(DataType.UINT16, DataType.UINT32, DataType.UINT64);

  @TempDir static Path dir;
  static Server server;
  static DirectTorch flip;

  @BeforeAll
  static void start() {
    TestRepository repo = new TestRepository(dir);
    for (DataType type : DataType.values()) {
      if (type == DataType.BYTES) continue;
      repo.add(name(type), "flip.pt", """
          backend: "pytorch"
          max_batch_size: 2
          input [ { name: "INPUT__0" data_type: %1$s dims: [ 2, 5 ] } ]
          output [ { name: "OUTPUT__0" data_type: %1$s dims: [ 2, 5 ] } ]
          """.formatted(type.configName()));
    }
    server = new Server(ServerOptions.of(dir)).start();
    flip = new DirectTorch(TestRepository.resource("flip.pt"));
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
    if (flip != null) flip.close();
  }

  private static String name(DataType type) {
    return "flip_" + type.name().toLowerCase(Locale.ROOT);
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"BOOL", "UINT8", "INT8", "INT16", "INT32", "INT64", "FP16", "BF16", "FP32", "FP64"})
  void everyLibtorchTypeRoundTripsBitForBit(DataType type) {
    assertThat(server.model(name(type)).state()).isEqualTo(ModelState.READY);
    int count = 2 * 2 * 5;
    byte[] raw = new byte[count * type.byteSize()];
    new Random(type.ordinal()).nextBytes(raw);
    if (type == DataType.BOOL) {
      for (int i = 0; i < raw.length; i++) raw[i] = (byte) (raw[i] & 1);
    }
    Tensor input = Tensor.of(type, new long[] {2, 2, 5}, ByteBuffer.wrap(raw));
    InferenceResponse r = single(server.model(name(type)).infer(Map.of("INPUT__0", input)));
    Tensor out = r.output("OUTPUT__0");
    assertThat(out.dataType()).isEqualTo(type);
    assertThat(out.shape()).containsExactly(2, 2, 5);
    if (!TorchCasts.needed(type)) {
      // DJL's JNI aborts the process on INT16 / BF16 tensors, so libtorch cannot be called directly with
      // them from Java; for those two the expected reversal below is the reference.
      assertThat(bytes(out)).isEqualTo(flip.forward(input).get(0));
    }
    int size = type.byteSize();
    byte[] expected = new byte[raw.length];
    for (int row = 0; row < 4; row++) {
      for (int col = 0; col < 5; col++) {
        System.arraycopy(raw, (row * 5 + col) * size, expected, (row * 5 + 4 - col) * size, size);
      }
    }
    assertThat(bytes(out)).isEqualTo(expected);
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"UINT16", "UINT32", "UINT64"})
  void unsignedTypesLibtorchLacksAreRefusedNamingTheTensor(DataType type) {
    assertThat(UNSUPPORTED).contains(type);
    assertThat(server.model(name(type)).state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(server.model(name(type)).reason())
        .contains("'" + name(type) + "'").contains("input 'INPUT__0' is " + type.configName())
        .contains("no tensor type");
  }
}
