package dev.nereid.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Triton's `simple` add/sub model served from ONNX, in INT32 and FP32. */
class OnnxSimpleModelTest {
  @TempDir static Path dir;
  static Server server;

  @BeforeAll
  static void start() {
    new TestRepository(dir)
        .add("simple_int32", "simple_int32.onnx", null)
        .add("simple_fp32", "simple_fp32.onnx", "platform: \"onnxruntime_onnx\"\nmax_batch_size: 8\n");
    server = new Server(ServerOptions.of(dir)).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void addsAndSubtractsInt32() {
    assertThat(server.model("simple_int32").state()).isEqualTo(ModelState.READY);
    int[] a = new int[16];
    int[] b = new int[16];
    for (int i = 0; i < 16; i++) {
      a[i] = i;
      b[i] = 1;
    }
    InferenceResponse r = single(server.model("simple_int32").infer(Map.of(
        "INPUT0", Tensor.of(a, 1, 16), "INPUT1", Tensor.of(b, 1, 16))));
    int[] sum = r.output("OUTPUT0").toIntArray();
    int[] diff = r.output("OUTPUT1").toIntArray();
    for (int i = 0; i < 16; i++) {
      assertThat(sum[i]).isEqualTo(i + 1);
      assertThat(diff[i]).isEqualTo(i - 1);
    }
    assertThat(r.output("OUTPUT0").shape()).containsExactly(1, 16);
  }

  @Test
  void addsFp32BatchOfTwoFromCallerDirectBuffers() {
    ByteBuffer in0 = ByteBuffer.allocateDirect(2 * 16 * 4).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer in1 = ByteBuffer.allocateDirect(2 * 16 * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 32; i++) {
      in0.putFloat(i * 0.5f);
      in1.putFloat(2f);
    }
    in0.flip();
    in1.flip();
    InferenceResponse r = single(server.model("simple_fp32").infer(Map.of(
        "INPUT0", Tensor.of(dev.nereid.DataType.FP32, new long[] {2, 16}, in0),
        "INPUT1", Tensor.of(dev.nereid.DataType.FP32, new long[] {2, 16}, in1))));
    float[] sum = r.output("OUTPUT0").toFloatArray();
    float[] diff = r.output("OUTPUT1").toFloatArray();
    assertThat(r.output("OUTPUT0").shape()).containsExactly(2, 16);
    for (int i = 0; i < 32; i++) {
      assertThat(sum[i]).isEqualTo(i * 0.5f + 2f);
      assertThat(diff[i]).isEqualTo(i * 0.5f - 2f);
    }
  }

  @Test
  void returnsOnlyTheRequestedOutput() {
    InferenceRequest request = InferenceRequest.builder()
        .input("INPUT0", Tensor.of(new int[16], 1, 16))
        .input("INPUT1", Tensor.of(new int[] {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, 1, 16))
        .output("OUTPUT1")
        .build();
    InferenceResponse r = single(server.model("simple_int32").infer(request));
    assertThat(r.outputs()).containsOnlyKeys("OUTPUT1");
    assertThat(r.output("OUTPUT1").toIntArray()).containsOnly(-5);
  }

  static InferenceResponse single(Iterable<InferenceResponse> responses) {
    InferenceResponse last = null;
    int count = 0;
    for (InferenceResponse r : responses) {
      last = r;
      count++;
    }
    assertThat(count).isEqualTo(1);
    return last;
  }
}
