package dev.nereid.testing.javamodels;

import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.ResponseFlag;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Decoupled: for N (INT32 [1]) sends I = N-1 ... 0, each after the first only once the test has
 * released a permit with {@link #next()}; waits at most 10 s for each. Lets a test prove that a
 * response reached it while the model was still producing the next.
 */
public final class GatedCountdownModel implements JavaModel {
  private static final Semaphore PERMITS = new Semaphore(0);

  /** Lets the model send its next response. */
  public static void next() {
    PERMITS.release();
  }

  @Override
  public void execute(Batch batch) {
    for (BackendRequest r : batch.requests()) {
      int n = r.input("N").toIntArray()[0];
      Thread.ofVirtual().start(() -> {
        try {
          for (int i = n - 1; i >= 0; i--) {
            if (i < n - 1 && !PERMITS.tryAcquire(10, TimeUnit.SECONDS)) {
              r.responder().fail(new NereidException.Internal("no permit for the next response within 10 s"));
              return;
            }
            r.responder().send(Map.of("I", Tensor.of(new int[] {i}, 1)), ResponseFlag.MORE);
          }
          r.responder().complete();
        } catch (InterruptedException e) {
          r.responder().fail(new NereidException.Cancelled("interrupted"));
        }
      });
    }
  }
}
