package dev.nereid.onnxruntime;

import static dev.nereid.onnxruntime.OnnxSimpleModelTest.single;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Models that cannot load (a config that disagrees with the model, a corrupt file, missing external
 * data) are UNAVAILABLE with a reason naming what is wrong, while the good models beside them serve.
 */
class OnnxLoadFailureTest {
  private static final String SIMPLE_OUTPUTS = """
      output [
        { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 16 ] },
        { name: "OUTPUT1" data_type: TYPE_INT32 dims: [ 16 ] }
      ]
      """;

  @TempDir static Path dir;
  static Server server;

  @BeforeAll
  static void start() throws IOException {
    TestRepository repo = new TestRepository(dir)
        .add("good", "simple_int32.onnx", null)
        .add("wrong_name", "simple_int32.onnx", simpleConfig("INPUT9", "TYPE_INT32", "16"))
        .add("wrong_type", "simple_int32.onnx", simpleConfig("INPUT1", "TYPE_FP32", "16"))
        .add("wrong_rank", "simple_int32.onnx", simpleConfig("INPUT1", "TYPE_INT32", "16, 1"))
        .add("wrong_dim", "simple_int32.onnx", simpleConfig("INPUT1", "TYPE_INT32", "8"))
        .add("missing_input", "simple_int32.onnx", """
            max_batch_size: 4
            input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 16 ] } ]
            """ + SIMPLE_OUTPUTS)
        .add("wrong_output", "simple_int32.onnx", """
            max_batch_size: 4
            input [
              { name: "INPUT0" data_type: TYPE_INT32 dims: [ 16 ] },
              { name: "INPUT1" data_type: TYPE_INT32 dims: [ 16 ] }
            ]
            output [ { name: "OUTPUT7" data_type: TYPE_INT32 dims: [ 16 ] } ]
            """)
        .add("optional_required", "simple_int32.onnx", """
            max_batch_size: 4
            input [
              { name: "INPUT0" data_type: TYPE_INT32 dims: [ 16 ] },
              { name: "INPUT1" data_type: TYPE_INT32 dims: [ 16 ] optional: true }
            ]
            """ + SIMPLE_OUTPUTS)
        .add("external", "external", null)
        .add("missing_weights", "external/model.onnx", null)
        .addBytes("corrupt", "this is not an ONNX model".getBytes(StandardCharsets.UTF_8), null)
        .addBytes("corrupt_with_config", new byte[] {8, 7, 18, 3, 1, 2}, """
            platform: "onnxruntime_onnx"
            input [ { name: "X" data_type: TYPE_FP32 dims: [ 4 ] } ]
            output [ { name: "Y" data_type: TYPE_FP32 dims: [ 4 ] } ]
            """)
        .add("named_file", "dynamic.onnx", "default_model_filename: \"net.onnx\"\n")
        .add("unknown_accelerator", "simple_int32.onnx", """
            optimization { execution_accelerators { cpu_execution_accelerator: [ { name: "warpdrive" } ] } }
            """)
        .add("missing_accelerator", "simple_int32.onnx", """
            optimization { execution_accelerators { gpu_execution_accelerator: [ { name: "tensorrt" } ] } }
            instance_group [ { kind: KIND_GPU count: 1 } ]
            """)
        .add("bad_execution_mode", "simple_int32.onnx", """
            parameters { key: "execution_mode" value: { string_value: "3" } }
            """)
        .add("bad_threads", "simple_int32.onnx", """
            parameters { key: "intra_op_thread_count" value: { string_value: "many" } }
            """)
        .add("configured", "simple_int32.onnx", """
            parameters { key: "intra_op_thread_count" value: { string_value: "1" } }
            parameters { key: "inter_op_thread_count" value: { string_value: "2" } }
            parameters { key: "execution_mode" value: { string_value: "1" } }
            parameters { key: "enable_mem_arena" value: { string_value: "0" } }
            parameters { key: "enable_mem_pattern" value: { string_value: "false" } }
            optimization { graph { level: -1 } }
            """);
    // The folder form: the version's model.onnx is a folder, and weights.bin is missing from it.
    Path missing = dir.resolve("missing_weights/1/model.onnx");
    Path moved = Files.move(missing, dir.resolve("missing_weights/1/tmp.onnx"));
    Files.createDirectories(missing);
    Files.move(moved, missing.resolve("model.onnx"));
    Files.move(dir.resolve("named_file/1/model.onnx"), dir.resolve("named_file/1/net.onnx"));
    assertThat(repo.root()).isEqualTo(dir);
    server = new Server(ServerOptions.of(dir)).start();
  }

  private static String simpleConfig(String input1, String type1, String dims1) {
    return "max_batch_size: 4\ninput [\n  { name: \"INPUT0\" data_type: TYPE_INT32 dims: [ 16 ] },\n"
        + "  { name: \"" + input1 + "\" data_type: " + type1 + " dims: [ " + dims1 + " ] }\n]\n" + SIMPLE_OUTPUTS;
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "wrong_name|config input 'INPUT9' is not an input of the ONNX model",
      "wrong_type|unexpected datatype TYPE_INT32 for input 'INPUT1', expecting TYPE_FP32",
      "wrong_rank|tensor 'INPUT1' shape expected by framework [16] doesn't match model configuration shape [16,1]",
      "wrong_dim|tensor 'INPUT1' shape expected by framework [16] doesn't match model configuration shape [8]",
      "missing_input|the ONNX model needs input 'INPUT1'",
      "wrong_output|config output 'OUTPUT7' is not an output of the ONNX model",
      "optional_required|input 'INPUT1' is optional in the config, but the ONNX model requires it",
      "unknown_accelerator|unknown Execution Accelerator 'warpdrive' is requested",
      "bad_execution_mode|execution_mode must be 0 (sequential) or 1 (parallel), got 3",
      "bad_threads|parameter intra_op_thread_count must be an integer >= 0, got 'many'"})
  void configThatDisagreesWithTheModelIsRefusedNamingTheTensor(String model, String reason) {
    assertThat(server.model(model).state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(server.model(model).reason()).contains("'" + model + "'").contains(reason);
  }

  @Test
  void corruptFileIsUnavailableWithOrtsMessage() {
    assertThat(server.model("corrupt").state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(server.model("corrupt").reason()).contains("ONNX Runtime cannot load").contains("ORT_INVALID_PROTOBUF");
    assertThat(server.model("corrupt_with_config").state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(server.model("corrupt_with_config").reason()).contains("ONNX Runtime cannot load");
  }

  @Test
  void missingExternalDataIsUnavailableWithOrtsMessage() {
    assertThat(server.model("missing_weights").state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(server.model("missing_weights").reason()).contains("ONNX Runtime cannot load").contains("weights.bin");
  }

  @Test
  void folderWithExternalDataLoadsAndServes() {
    assertThat(server.model("external").state()).isEqualTo(ModelState.READY);
    var r = single(server.model("external").infer(Map.of("X", Tensor.of(new float[] {10, 20, 30, 40}, 1, 4))));
    assertThat(r.output("Y").toFloatArray()).containsExactly(11, 22, 33, 44);
  }

  @Test
  void defaultModelFilenameNamesTheFile() {
    assertThat(server.model("named_file").state()).isEqualTo(ModelState.READY);
    var r = single(server.model("named_file").infer(Map.of("X", Tensor.of(new float[] {1, 2}, 1, 2))));
    assertThat(r.output("Y").toFloatArray()).containsExactly(2, 4);
  }

  @Test
  void acceleratorMissingFromThisBuildLoadsOnCpu() {
    assertThat(server.model("missing_accelerator").state()).isEqualTo(ModelState.READY);
    var r = single(server.model("missing_accelerator").infer(Map.of(
        "INPUT0", Tensor.of(new int[16], 1, 16), "INPUT1", Tensor.of(new int[16], 1, 16))));
    assertThat(r.output("OUTPUT0").toIntArray()).containsOnly(0);
  }

  @Test
  void threadingAndOptimizationParametersAreAccepted() {
    assertThat(server.model("configured").state()).isEqualTo(ModelState.READY);
    var r = single(server.model("configured").infer(Map.of(
        "INPUT0", Tensor.of(new int[16], 1, 16), "INPUT1", Tensor.of(new int[16], 1, 16))));
    assertThat(r.output("OUTPUT1").toIntArray()).containsOnly(0);
  }

  @Test
  void goodModelKeepsServingBesideTheFailures() {
    assertThat(server.model("good").state()).isEqualTo(ModelState.READY);
    int[] ones = new int[16];
    java.util.Arrays.fill(ones, 1);
    var r = single(server.model("good").infer(Map.of("INPUT0", Tensor.of(ones, 1, 16), "INPUT1", Tensor.of(ones, 1, 16))));
    assertThat(r.output("OUTPUT0").toIntArray()).containsOnly(2);
  }
}
