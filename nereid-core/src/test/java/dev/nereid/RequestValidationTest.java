package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every validation error, with Triton's wording, and the server still serving afterwards. */
class RequestValidationTest {
  @TempDir static Path repo;
  private static Server server;

  @BeforeAll
  static void start() throws IOException {
    // Shaped like Triton's `simple`: two INT32 [-1,16] inputs with batching, plus an optional input.
    writeModel("simple", """
        backend: "identity"
        max_batch_size: 8
        input [
          { name: "INPUT0" data_type: TYPE_INT32 dims: [ 16 ] },
          { name: "INPUT1" data_type: TYPE_INT32 dims: [ 16 ] },
          { name: "INPUT2" data_type: TYPE_STRING dims: [ 1 ] optional: true }
        ]
        output [
          { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 16 ] },
          { name: "OUTPUT1" data_type: TYPE_INT32 dims: [ 16 ] },
          { name: "OUTPUT2" data_type: TYPE_STRING dims: [ 1 ] }
        ]
        """);
    server = new Server(ServerOptions.builder().modelRepository(repo).strictModelConfig(true).build()).start();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  static void writeModel(String name, String config) throws IOException {
    Files.createDirectories(repo.resolve(name).resolve("1"));
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), config);
  }

  static Tensor ints(long... shape) {
    long n = 1;
    for (long d : shape) n *= d;
    return Tensor.of(new int[(int) n], shape);
  }

  private static Model simple() {
    return server.model("simple");
  }

  @Test
  void unknownModel() {
    assertThatThrownBy(() -> server.model("nope").infer(Map.of()))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("Request for unknown model: 'nope' is not found");
  }

  @Test
  void unknownVersion() {
    assertThatThrownBy(() -> server.model("simple", 99).infer(Map.of()))
        .isInstanceOf(NereidException.NotFound.class)
        .hasMessage("Request for unknown model: 'simple' version 99 is not found");
  }

  @Test
  void unknownInput() {
    assertThatThrownBy(() -> simple().infer(Map.of("INPUT0", ints(1, 16), "INPUT1", ints(1, 16), "BOGUS", ints(1, 16))))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("unexpected inference input 'BOGUS' for model 'simple'");
  }

  @Test
  void missingRequiredInputButOptionalMayBeAbsent() {
    assertThatThrownBy(() -> simple().infer(Map.of("INPUT0", ints(1, 16))))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("expected 2 inputs but got 1 inputs for model 'simple'. Got input(s) ['INPUT0'], but missing "
            + "required input(s) ['INPUT1']. Please provide all required input(s).");
    InferenceResponse ok = IdentityDataTypesTest.single(simple().infer(Map.of("INPUT0", ints(1, 16), "INPUT1", ints(1, 16))));
    assertThat(ok.outputs()).containsOnlyKeys("OUTPUT0", "OUTPUT1");
  }

  @Test
  void wrongDataType() {
    assertThatThrownBy(() -> simple().infer(Map.of("INPUT0", Tensor.of(new float[16], 1, 16), "INPUT1", ints(1, 16))))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("inference input 'INPUT0' data-type is 'FP32', but model 'simple' expects 'INT32'");
  }

  @Test
  void wrongShape() {
    assertThatThrownBy(() -> simple().infer(Map.of("INPUT0", ints(2, 8), "INPUT1", ints(1, 16))))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("unexpected shape for input 'INPUT0' for model 'simple'. Expected [-1,16], got [2,8]");
  }

  @Test
  void missingBatchDimensionGetsAHint() {
    assertThatThrownBy(() -> simple().infer(Map.of("INPUT0", ints(16), "INPUT1", ints(16))))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageMatching("unexpected shape for input 'INPUT[01]' for model 'simple'\\. Expected \\[-1,16\\], got \\[16\\].*")
        .hasMessageContaining("batch dimension");
  }

  @Test
  void batchTooLarge() {
    assertThatThrownBy(() -> simple().infer(Map.of("INPUT0", ints(9, 16), "INPUT1", ints(9, 16))))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageStartingWith("inference request batch-size must be <= 8 for 'simple'");
  }

  @Test
  void inputsWithDifferentBatchSizes() {
    assertThatThrownBy(() -> simple().infer(Map.of("INPUT0", ints(2, 16), "INPUT1", ints(3, 16))))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("batch size")
        .hasMessageContaining("'simple'");
  }

  @Test
  void malformedBytesBuffer() {
    ByteBuffer broken = ByteBuffer.allocateDirect(6).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 100);
    Tensor bad = Tensor.of(DataType.BYTES, new long[] {1, 1}, broken);
    assertThatThrownBy(() -> simple().infer(Map.of("INPUT0", ints(1, 16), "INPUT1", ints(1, 16), "INPUT2", bad)))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("'INPUT2'")
        .hasMessageContaining("malformed BYTES");
  }

  @Test
  void bytesElementCountMismatch() {
    Tensor two = Tensor.of(new String[] {"a", "b"}, 2);
    Tensor lying = Tensor.of(DataType.BYTES, new long[] {1, 1}, two.data());
    assertThatThrownBy(() -> simple().infer(Map.of("INPUT0", ints(1, 16), "INPUT1", ints(1, 16), "INPUT2", lying)))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("unexpected number of string elements 2 for inference input 'INPUT2' for model 'simple', expecting 1");
  }

  @Test
  void unknownRequestedOutput() {
    InferenceRequest r = InferenceRequest.builder().input("INPUT0", ints(1, 16)).input("INPUT1", ints(1, 16))
        .output("OUTPUT9").build();
    assertThatThrownBy(() -> simple().infer(r))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("unexpected inference output 'OUTPUT9' for model 'simple'");
  }

  @Test
  void requestedOutputsAreTheOnlyOnesReturned() {
    InferenceRequest r = InferenceRequest.builder().requestId("r1").input("INPUT0", ints(1, 16))
        .input("INPUT1", ints(1, 16)).output("OUTPUT1").build();
    InferenceResponse response = IdentityDataTypesTest.single(simple().infer(r));
    assertThat(response.outputs()).containsOnlyKeys("OUTPUT1");
    assertThat(response.requestId()).isEqualTo("r1");
  }

  @Test
  void javaValueThatCannotBeConvertedNamesTheInput() {
    assertThatThrownBy(() -> simple().infer(Map.of("INPUT0", java.util.List.of(java.util.List.of("x")), "INPUT1", ints(1, 16))))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("input 'INPUT0' for model 'simple'")
        .hasMessageContaining("INT32");
  }

  @Test
  void serverStillServesAfterErrors() {
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> simple().infer(Map.of("INPUT0", ints(2, 8))))
          .isInstanceOf(NereidException.InvalidArgument.class);
    }
    int[] values = new int[16];
    for (int i = 0; i < 16; i++) values[i] = i;
    InferenceResponse ok = IdentityDataTypesTest.single(
        simple().infer(Map.of("INPUT0", Tensor.of(values, 1, 16), "INPUT1", ints(1, 16))));
    assertThat(ok.output("OUTPUT0").toIntArray()).containsExactly(values);
    assertThat(server.model("simple").statistics().get(0).inferenceStats().success().count()).isPositive();
  }
}
