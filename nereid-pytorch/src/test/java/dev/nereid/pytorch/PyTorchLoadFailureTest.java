package dev.nereid.pytorch;

import static dev.nereid.pytorch.TestRepository.single;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Models that cannot load are UNAVAILABLE with a reason naming what is wrong (libtorch's own message
 * for a file it cannot read), while a good model beside them serves.
 */
class PyTorchLoadFailureTest {
  private static final String ADD_SUB_OUTPUTS = """
      output [
        { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 4 ] },
        { name: "OUTPUT__1" data_type: TYPE_FP32 dims: [ 4 ] }
      ]
      """;

  @TempDir static Path dir;
  static Server server;

  @BeforeAll
  static void start() {
    new TestRepository(dir)
        .add("good", "add_sub.pt", addSub("INPUT__0", "INPUT__1", "TYPE_FP32"))
        .addBytes("corrupt", "this is not TorchScript".getBytes(StandardCharsets.UTF_8), addSub("INPUT__0", "INPUT__1", "TYPE_FP32"))
        .add("too_few_inputs", "add_sub.pt", """
            backend: "pytorch"
            input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 4 ] } ]
            """ + ADD_SUB_OUTPUTS)
        // Triton's L0_model_config autofill cases too_few_inputs and too_few_outputs: its pytorch
        // backend completes neither, so a config without inputs or without outputs is refused.
        .add("no_inputs", "add_sub.pt", "backend: \"pytorch\"\nmax_batch_size: 1\n" + ADD_SUB_OUTPUTS)
        .add("no_outputs", "add_sub.pt", addSub("INPUT__0", "INPUT__1", "TYPE_FP32").replace(ADD_SUB_OUTPUTS, ""))
        .add("index_out_of_range", "add_sub.pt", addSub("INPUT__0", "INPUT__5", "TYPE_FP32"))
        .add("index_twice", "add_sub.pt", addSub("X__1", "Y__1", "TYPE_FP32"))
        .add("string_for_tensor", "add_sub.pt", addSub("INPUT__0", "INPUT__1", "TYPE_STRING"))
        .add("bad_threads", "add_sub.pt", addSub("INPUT__0", "INPUT__1", "TYPE_FP32")
            + "parameters { key: \"INTRA_OP_THREAD_COUNT\" value: { string_value: \"many\" } }\n")
        .add("bad_flag", "add_sub.pt", addSub("INPUT__0", "INPUT__1", "TYPE_FP32")
            + "parameters { key: \"DISABLE_OPTIMIZED_EXECUTION\" value: { string_value: \"maybe\" } }\n")
        .add("missing_file", "add_sub.pt", "other.pt", addSub("INPUT__0", "INPUT__1", "TYPE_FP32"))
        .add("by_file_name", "add_sub.pt", addSub("INPUT__0", "INPUT__1", "TYPE_FP32").replace("backend: \"pytorch\"\n", ""));
    server = new Server(ServerOptions.of(dir)).start();
  }

  private static String addSub(String in0, String in1, String type) {
    return "backend: \"pytorch\"\nmax_batch_size: 4\ninput [\n  { name: \"" + in0 + "\" data_type: " + type
        + " dims: [ 4 ] },\n  { name: \"" + in1 + "\" data_type: " + type + " dims: [ 4 ] }\n]\n" + ADD_SUB_OUTPUTS;
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "too_few_inputs|configuration expects 1 inputs, model provides 2: the configuration's inputs are [INPUT__0], the model's forward() takes [input0, input1]",
      "no_inputs|unable to load model 'no_inputs', configuration expects 0 inputs, model provides 2",
      "no_outputs|model configuration must contain at least one output, none were specified",
      "index_out_of_range|input 'INPUT__5' has index 5, but the model has 2 inputs",
      "index_twice|input 'Y__1' has index 1, which another input has too",
      "string_for_tensor|input 'INPUT__0' is TYPE_STRING in the config, but forward() argument 'input0' is Tensor",
      "bad_threads|parameter INTRA_OP_THREAD_COUNT must be an integer >= 0, got 'many'",
      "bad_flag|parameter DISABLE_OPTIMIZED_EXECUTION must be true or false, got 'maybe'",
      "missing_file|no TorchScript file"})
  void configThatDisagreesWithTheModelIsRefusedNamingWhatIsWrong(String model, String reason) {
    assertThat(server.model(model).state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(server.model(model).reason()).contains("'" + model + "'").contains(reason);
  }

  @Test
  void corruptFileIsUnavailableWithLibtorchsMessage() {
    assertThat(server.model("corrupt").state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(server.model("corrupt").reason()).contains("libtorch cannot load model.pt")
        .containsIgnoringCase("zip archive");
  }

  @Test
  void aModelPtWithoutBackendOrPlatformIsServedByPyTorch() {
    assertThat(server.model("by_file_name").state()).isEqualTo(ModelState.READY);
  }

  @Test
  void goodModelKeepsServingBesideTheFailures() {
    Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4);
    var r = single(server.model("good").infer(Map.of("INPUT__0", a, "INPUT__1", a)));
    assertThat(r.output("OUTPUT__1").toFloatArray()).containsOnly(0);
  }
}
