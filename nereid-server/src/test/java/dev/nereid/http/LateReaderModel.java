package dev.nereid.http;

import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Answers Y = X at once, then goes on reading X: it holds the request's inputs until the test lets it
 * finish ({@link #finish()}), then reports the sum of X it read ({@link #lateSums()}). A front end
 * that gave the request's memory back when it answered would let another request's bytes into that sum.
 */
public final class LateReaderModel implements JavaModel {
  private static final Semaphore FINISH = new Semaphore(0);
  private static final BlockingQueue<Double> LATE_SUMS = new LinkedBlockingQueue<>();

  static void finish() {
    FINISH.release();
  }

  static BlockingQueue<Double> lateSums() {
    return LATE_SUMS;
  }

  @Override
  public void execute(Batch batch) {
    for (BackendRequest r : batch.requests()) {
      Runnable hold = r.holdInputs();
      Tensor x = r.input("X");
      r.responder().send(Map.of("Y", x), true);
      Thread.ofVirtual().start(() -> {
        try {
          if (!FINISH.tryAcquire(30, TimeUnit.SECONDS)) return;
          double sum = 0;
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
