package dev.nereid.testing.javamodels;

import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.ResponseFlag;
import java.util.Map;

/**
 * Echoes X as Y, but throws on a negative first element: IllegalArgumentException for -1, a
 * NereidException.InvalidArgument for -2, after answering nothing.
 */
public final class ThrowingModel implements JavaModel {
  @Override
  public void execute(Batch batch) {
    for (BackendRequest r : batch.requests()) {
      Tensor x = r.input("X");
      float first = x.toFloatArray()[0];
      if (first == -1) throw new IllegalArgumentException("negative values are not allowed");
      if (first == -2) throw new NereidException.InvalidArgument("the model refuses -2");
      r.responder().send(Map.of("Y", x), ResponseFlag.FINAL);
    }
  }
}
