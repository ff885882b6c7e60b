package dev.nereid.python;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.InferenceResponse;
import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.Tensor;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Triton-style model.py models answering through the in-process API: real python3 stubs, real numpy. */
class PythonExecuteTest {
  @TempDir static Path repository;
  static Server server;

  @BeforeAll
  static void start() {
    server = PythonRepository.serve(repository, "add_sub", "string_upper");
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @Test
  void addSubComputesSumAndDifference() {
    InferenceResponse r = server.model("add_sub").infer(server.model("add_sub").createRequest()
        .input("INPUT0", new float[] {1, 2, 3, 4}).input("INPUT1", new float[] {10, 20, 30, 40})
        .requestId("req-7").parameter("color", "blue").build()).next();
    assertThat(r.output("OUTPUT0").toFloatArray()).containsExactly(11, 22, 33, 44);
    assertThat(r.output("OUTPUT1").toFloatArray()).containsExactly(-9, -18, -27, -36);
    assertThat(r.parameters().get("request_id")).isEqualTo("req-7");
    assertThat((String) r.parameters().get("request_params")).contains("\"color\"").contains("\"blue\"");
  }

  @Test
  void theResponseCacheAnswersRepeatedRequestsWithoutThePythonModel(@TempDir Path cachedRepository) {
    try (Server cached = new Server(dev.nereid.ServerOptions.builder()
        .modelRepository(PythonRepository.with(cachedRepository, "cached")).responseCacheByteSize(1 << 20).build()).start()) {
      int[] calls = new int[4];
      int[] inputs = {7, 7, 8, 7};
      for (int i = 0; i < inputs.length; i++) {
        calls[i] = cached.model("cached").infer(Map.of("X", new int[] {inputs[i]})).next().output("CALLS").toIntArray()[0];
      }
      // X=7 runs once; its repeats come from the cache; X=8 is the model's second call.
      assertThat(calls).containsExactly(1, 1, 2, 1);
    }
  }

  @Test
  void initializeGetsTritonsArgs() {
    InferenceResponse r = server.model("add_sub").infer(Map.of(
        "INPUT0", new float[] {0, 0, 0, 0}, "INPUT1", new float[] {0, 0, 0, 0})).next();
    String args = (String) r.parameters().get("args");
    assertThat(args).contains("\"model_name\": \"add_sub\"", "\"model_version\": \"1\"",
        "\"model_instance_kind\": \"CPU\"", "\"model_instance_device_id\": \"0\"",
        "\"model_repository\": \"" + repository.resolve("add_sub") + "\"", "\"model_instance_name\": \"add_sub_0_0\"");
    // dims reach the model as JSON numbers, as in Triton, not as protobuf's int64 strings
    assertThat(r.parameters().get("dims")).isEqualTo("[4]");
    assertThat(server.model("add_sub").state()).isEqualTo(ModelState.READY);
  }

  @Test
  void bytesTensorsAreNumpyObjectArraysOfBytes() {
    InferenceResponse r = server.model("string_upper").infer(Map.of(
        "TEXT", new String[][] {{"hello", "wörld", ""}, {"a", "bc", "def"}})).next();
    String[][] upper = r.output("UPPER").toStringArray();
    assertThat(upper).isEqualTo(new String[][] {{"HELLO", "WöRLD", ""}, {"A", "BC", "DEF"}});
    assertThat(r.output("LENGTH").toIntArray()).containsExactly(5, 6, 0, 1, 2, 3);
    assertThat(r.output("LENGTH").shape()).containsExactly(2, 3);
  }

  @Test
  void requestedOutputsOnly() {
    InferenceResponse r = server.model("add_sub").infer(server.model("add_sub").createRequest()
        .input("INPUT0", new float[] {1, 1, 1, 1}).input("INPUT1", new float[] {1, 1, 1, 1}).output("OUTPUT1").build())
        .next();
    assertThat(r.outputs().keySet()).containsExactly("OUTPUT1");
    assertThat(r.output("OUTPUT1").toFloatArray()).containsExactly(0, 0, 0, 0);
  }

  @Test
  void tensorOfWrongSizeIsRejectedBeforeTheModel() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> server.model("add_sub").infer(Map.of(
        "INPUT0", new float[] {1, 2, 3}, "INPUT1", new float[] {1, 2, 3, 4})).next())
        .hasMessageContaining("INPUT0");
    Tensor ok = server.model("add_sub").infer(Map.of("INPUT0", new float[] {1, 2, 3, 4},
        "INPUT1", new float[] {1, 2, 3, 4})).next().output("OUTPUT0");
    assertThat(ok.toFloatArray()).containsExactly(2, 4, 6, 8);
  }
}
