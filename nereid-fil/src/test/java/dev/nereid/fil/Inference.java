package dev.nereid.fil;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.Tensor;
import java.util.Arrays;
import java.util.Map;

/** Sends rows through a model's full infer path and collects {@code output__0}. */
final class Inference {
  private Inference() {}

  /**
   * Predicts every row of {@code x}: the first {@code singles} rows one request each, the rest in requests of
   * up to {@code batch} rows. Returns {@code rows x width} values.
   */
  static float[] predict(Model model, float[] x, int features, int width, int singles, int batch) {
    int rows = x.length / features;
    float[] out = new float[rows * width];
    int r = 0;
    while (r < rows) {
      int n = r < singles ? 1 : Math.min(batch, rows - r);
      float[] part = Arrays.copyOfRange(x, r * features, (r + n) * features);
      InferenceResponse response = single(model.infer(Map.of("input__0", Tensor.of(part, n, features))));
      Tensor output = response.output("output__0");
      assertThat(output.shape()).containsExactly(n, width);
      System.arraycopy(output.toFloatArray(), 0, out, r * width, n * width);
      r += n;
    }
    return out;
  }

  static InferenceResponse single(Iterable<InferenceResponse> responses) {
    InferenceResponse last = null;
    int count = 0;
    for (InferenceResponse response : responses) {
      last = response;
      count++;
    }
    assertThat(count).isEqualTo(1);
    return last;
  }
}
