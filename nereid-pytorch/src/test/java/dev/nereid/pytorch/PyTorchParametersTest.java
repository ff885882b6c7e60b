package dev.nereid.pytorch;

import static dev.nereid.pytorch.TestRepository.single;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.InferenceResponse;
import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Triton's PyTorch parameters do here: {@code grad_probe.pt} reports how libtorch ran forward
 * (autograd on? is the result an inference tensor?), and the load log names each parameter this CPU
 * libtorch behind DJL's JNI cannot apply, with the reason, and each parameter the backend does not read.
 */
class PyTorchParametersTest {
  private static final String PROBE = """
      backend: "pytorch"
      input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 2 ] } ]
      output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 2 ] }, { name: "OUTPUT__1" data_type: TYPE_BOOL dims: [ 2 ] } ]
      """;

  private static String parameter(String key, String value) {
    return "parameters { key: \"" + key + "\" value: { string_value: \"" + value + "\" } }\n";
  }

  @Test
  void forwardRunsWithoutAutogradInInferenceModeAndTheLogSaysWhatIsNotApplied(@TempDir Path dir) throws Exception {
    new TestRepository(dir)
        .add("default", "grad_probe.pt", PROBE)
        .add("no_inference_mode", "grad_probe.pt", PROBE + parameter("INFERENCE_MODE", "false"))
        .add("jit_off", "grad_probe.pt", PROBE + parameter("ENABLE_JIT_EXECUTOR", "false")
            + parameter("ENABLE_JIT_PROFILING", "false") + parameter("ENABLE_TENSOR_FUSER", "false")
            + parameter("DISABLE_OPTIMIZED_EXECUTION", "true") + parameter("DISABLE_CUDNN", "true")
            + parameter("NUM_THREADS", "2"));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try (Server server = new Server(ServerOptions.of(dir)).start()) {
      System.setErr(stderr);
      for (String model : new String[] {"default", "no_inference_mode", "jit_off"}) {
        assertThat(server.model(model).state()).as(server.model(model).reason()).isEqualTo(ModelState.READY);
        InferenceResponse r = single(server.model(model).infer(Map.of("INPUT__0", Tensor.of(new float[] {1, -2.5f}, 2))));
        assertThat(r.output("OUTPUT__0").toFloatArray()).containsExactly(2, -5);
        // [autograd enabled, result is an inference tensor]: Triton's default, INFERENCE_MODE true, for every model
        assertThat(r.output("OUTPUT__1").toBooleanArray()).as(model).containsExactly(false, true);
      }
    } finally {
      System.setErr(stderr);
    }
    String text = log.toString(StandardCharsets.UTF_8);
    assertThat(text)
        .contains("model 'no_inference_mode': INFERENCE_MODE false not applied: DJL's JNI runs forward() in libtorch's "
            + "InferenceMode")
        .contains("model 'jit_off': ENABLE_JIT_EXECUTOR false not applied: DJL's JNI has no switch for libtorch's "
            + "profiling executor")
        .contains("model 'jit_off': ENABLE_JIT_PROFILING false not applied")
        .contains("model 'jit_off': ENABLE_TENSOR_FUSER false not applied")
        .contains("model 'jit_off': DISABLE_CUDNN concerns CUDA's cuDNN; ignored, this libtorch runs on CPU")
        .contains("model 'jit_off': parameter NUM_THREADS is not one the PyTorch backend reads; ignored (it reads "
            + "[DISABLE_OPTIMIZED_EXECUTION, INFERENCE_MODE,")
        .doesNotContain("model 'default': INFERENCE_MODE")
        .doesNotContain("model 'jit_off': parameter DISABLE_OPTIMIZED_EXECUTION is not one");
  }
}
