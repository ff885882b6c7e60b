package dev.nereid.http;

import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.ModelContext;
import dev.nereid.spi.ResponseFlag;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A decoupled test backend whose second response waits for the test: it sends {@code OUT = 1}, then
 * sends {@code OUT = 2} only once {@link #release()} is called. A client that sees the first response
 * before releasing has proof the front end streams responses as they come.
 */
public final class GatedStreamBackend implements Backend {
  private static volatile CountDownLatch gate = new CountDownLatch(1);

  /** Closes the gate for the next request. */
  static void reset() {
    gate = new CountDownLatch(1);
  }

  /** Lets the second response go. */
  static void release() {
    gate.countDown();
  }

  @Override
  public String name() {
    return "gated_stream";
  }

  @Override
  public BackendModel load(ModelContext context) {
    return instanceContext -> batch -> {
      for (BackendRequest request : batch.requests()) {
        CountDownLatch waitFor = gate;
        request.responder().send(Map.of("OUT", Tensor.of(new int[] {1})), ResponseFlag.MORE);
        Thread.ofVirtual().start(() -> {
          try {
            if (!waitFor.await(30, TimeUnit.SECONDS)) {
              request.responder().fail(new NereidException.Cancelled("gate never opened"));
              return;
            }
            request.responder().send(Map.of("OUT", Tensor.of(new int[] {2})), ResponseFlag.MORE);
            request.responder().complete();
          } catch (InterruptedException e) {
            request.responder().fail(new NereidException.Cancelled("interrupted"));
          }
        });
      }
    };
  }
}
