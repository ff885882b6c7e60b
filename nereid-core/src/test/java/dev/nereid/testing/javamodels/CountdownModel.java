package dev.nereid.testing.javamodels;

import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.ResponseFlag;
import java.util.Map;

/**
 * Decoupled: for input N (INT32 [1]) sends N responses I = N-1 ... 0 (INT32 [1]) and then the final
 * flag, from a thread of its own after execute has returned.
 */
public final class CountdownModel implements JavaModel {
  @Override
  public void execute(Batch batch) {
    for (BackendRequest r : batch.requests()) {
      int n = r.input("N").toIntArray()[0];
      Thread.ofVirtual().name("countdown").start(() -> {
        for (int i = n - 1; i >= 0; i--) {
          if (r.isCancelled()) break;
          r.responder().send(Map.of("I", Tensor.of(new int[] {i}, 1)), ResponseFlag.MORE);
        }
        r.responder().complete();
      });
    }
  }
}
