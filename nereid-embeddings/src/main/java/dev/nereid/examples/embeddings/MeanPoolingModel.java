package dev.nereid.examples.embeddings;

import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.model.JavaModelContext;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.ResponseFlag;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * Sentence embeddings from token embeddings: the mean of {@code last_hidden_state} FP32 [n, L, D] over
 * the tokens whose {@code attention_mask} INT64 [n, L] is 1, scaled to unit length: {@code embedding}
 * FP32 [n, D]. What sentence-transformers' mean pooling and {@code Normalize} modules compute.
 *
 * <p>Each request is pooled on its own, reading its tensors in place: requests of one batch may have
 * different token lengths, so nothing is concatenated.
 */
public final class MeanPoolingModel implements JavaModel {
  private String modelName;

  @Override
  public void initialize(JavaModelContext context) {
    modelName = context.modelName();
  }

  @Override
  public void execute(Batch batch) {
    for (BackendRequest request : batch.requests()) {
      Tensor hidden = request.input("last_hidden_state");
      Tensor mask = request.input("attention_mask");
      if (hidden.rank() != 3 || mask.rank() != 2 || hidden.dim(0) != mask.dim(0) || hidden.dim(1) != mask.dim(1)) {
        throw new NereidException.InvalidArgument("model '" + modelName + "': last_hidden_state " + Arrays.toString(hidden.shape())
            + " and attention_mask " + Arrays.toString(mask.shape()) + " must be [n, L, D] and [n, L]");
      }
      int n = (int) hidden.dim(0);
      int length = (int) hidden.dim(1);
      int width = (int) hidden.dim(2);
      float[] out = new float[n * width];
      pool(hidden.asFloatBuffer(), mask.asLongBuffer(), n, length, width, out);
      request.responder().send(Map.of("embedding", Tensor.of(out, n, width)), ResponseFlag.FINAL);
    }
  }

  /** Masked mean then L2 normalisation, row by row, into {@code out} [n, width]. */
  static void pool(FloatBuffer hidden, LongBuffer mask, int n, int length, int width, float[] out) {
    for (int s = 0; s < n; s++) {
      int row = s * width;
      int tokens = 0;
      for (int t = 0; t < length; t++) {
        if (mask.get(s * length + t) == 0) continue;
        tokens++;
        int at = (s * length + t) * width;
        for (int d = 0; d < width; d++) out[row + d] += hidden.get(at + d);
      }
      double norm = 0;
      for (int d = 0; d < width; d++) {
        out[row + d] /= Math.max(tokens, 1);
        norm += (double) out[row + d] * out[row + d];
      }
      // sentence-transformers' Normalize divides by max(norm, 1e-12).
      float scale = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
      for (int d = 0; d < width; d++) out[row + d] *= scale;
    }
  }
}
