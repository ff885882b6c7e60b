package dev.nereid.http;

import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.ModelContext;
import dev.nereid.spi.ResponseFlag;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A test backend that holds each request until the test lets it go: an identity model
 * ({@code INPUT0 -> OUTPUT0}) whose execution signals {@link #started()} and then waits for
 * {@link #release()}. Tests use it to have a request provably in flight.
 */
public final class HeldBackend implements Backend {
  private static volatile CountDownLatch started = new CountDownLatch(1);
  private static volatile CountDownLatch released = new CountDownLatch(1);

  /** Re-arms both latches for the next request. */
  public static void reset() {
    started = new CountDownLatch(1);
    released = new CountDownLatch(1);
  }

  /** Waits until a request is executing. */
  public static void awaitStarted() throws InterruptedException {
    if (!started.await(30, TimeUnit.SECONDS)) throw new AssertionError("no request reached the held model");
  }

  /** Lets the held request finish. */
  public static void release() {
    released.countDown();
  }

  @Override
  public String name() {
    return "held";
  }

  @Override
  public BackendModel load(ModelContext context) {
    return instanceContext -> batch -> {
      CountDownLatch go = released;
      started.countDown();
      go.await(30, TimeUnit.SECONDS);
      for (BackendRequest request : batch.requests()) {
        request.responder().send(Map.of("OUTPUT0", request.input("INPUT0")), ResponseFlag.FINAL);
      }
    };
  }
}
