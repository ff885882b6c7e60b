package dev.nereid.testing.javamodels;

import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.ResponseFlag;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Answers Y = X at once, then keeps reading X in the background: it holds the request's inputs
 * ({@link BackendRequest#holdInputs()}) until the test lets it finish with {@link #finish()}, and
 * reports the sum of X it read then through {@link #lateSums()}.
 */
public final class LateReaderModel implements JavaModel {
  private static final Semaphore FINISH = new Semaphore(0);
  private static final BlockingQueue<Float> LATE_SUMS = new LinkedBlockingQueue<>();

  /** Lets one held request be read and released. */
  public static void finish() {
    FINISH.release();
  }

  /** The sum of X each request read after it had answered, as each finishes. */
  public static BlockingQueue<Float> lateSums() {
    return LATE_SUMS;
  }

  @Override
  public void execute(Batch batch) {
    for (BackendRequest r : batch.requests()) {
      Runnable hold = r.holdInputs();
      Tensor x = r.input("X");
      r.responder().send(Map.of("Y", x), ResponseFlag.FINAL);
      Thread.ofVirtual().start(() -> {
        try {
          if (!FINISH.tryAcquire(10, TimeUnit.SECONDS)) return;
          float sum = 0;
          for (float v : x.toFloatArray()) sum += v;
          LATE_SUMS.add(sum);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          hold.run();
        }
      });
    }
  }
}
