package dev.nereid.testing.javamodels;

import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.spi.Batch;
import java.util.Map;

/** SUM = A + B, FP32 element by element. */
public final class AddModel implements JavaModel {
  @Override
  public void execute(Batch batch) {
    float[] a = batch.input("A").toFloatArray();
    float[] b = batch.input("B").toFloatArray();
    float[] sum = new float[a.length];
    for (int i = 0; i < a.length; i++) sum[i] = a[i] + b[i];
    batch.respond(Map.of("SUM", Tensor.of(sum, sum.length)));
  }
}
