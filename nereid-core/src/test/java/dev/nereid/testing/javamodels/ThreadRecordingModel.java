package dev.nereid.testing.javamodels;

import dev.nereid.Tensor;
import dev.nereid.spi.ResponseFlag;
import dev.nereid.model.JavaModel;
import dev.nereid.spi.Batch;
import dev.nereid.spi.BackendRequest;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Y = X + 1 (FP32, batched) and THREAD, the name of the thread that ran the request: what a test
 * looks at to see which thread ran each step of a pipeline. A request whose first X value is -1 first
 * waits until the test calls {@link #open()}, announcing itself through {@link #held()}, so a test can
 * keep the instance busy without sleeping.
 */
public final class ThreadRecordingModel implements JavaModel {
  private static final Semaphore HELD = new Semaphore(0);
  private static volatile CountDownLatch gate = new CountDownLatch(1);

  /** Waits until a holding request runs, up to 30 s. */
  public static void held() throws InterruptedException {
    if (!HELD.tryAcquire(30, TimeUnit.SECONDS)) throw new AssertionError("no holding request ran within 30 s");
  }

  /** Lets the holding requests go on, and closes the gate again for the next ones. */
  public static void open() {
    CountDownLatch open = gate;
    gate = new CountDownLatch(1);
    open.countDown();
  }

  @Override
  public void execute(Batch batch) throws InterruptedException {
    for (BackendRequest request : batch.requests()) {
      Tensor x = request.inputs().get("X");
      float[] values = x.toFloatArray();
      if (values.length > 0 && values[0] == -1f) {
        CountDownLatch wait = gate;
        HELD.release();
        if (!wait.await(30, TimeUnit.SECONDS)) throw new AssertionError("the test did not open the gate within 30 s");
      }
      for (int i = 0; i < values.length; i++) values[i] += 1;
      request.responder().send(Map.of("Y", Tensor.of(values, x.shape()),
          "THREAD", Tensor.of(new String[] {Thread.currentThread().getName()}, 1, 1)), ResponseFlag.FINAL);
    }
  }
}
