package dev.nereid.internal.builtin;

import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;
import dev.nereid.spi.ResponseFlag;
import java.nio.IntBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Triton's repeat backend, a decoupled model: for input {@code IN} (INT32 [n]) it sends n responses,
 * response i carrying {@code OUT} = IN[i] and {@code IDX} = i after waiting {@code DELAY}[i] ms, then a
 * final flag-only response. The instance is released after {@code WAIT} ms, so responses to several
 * requests interleave. Cancelled requests stop and end with a CANCELLED error.
 */
public final class RepeatBackend implements Backend {
  @Override
  public String name() {
    return "repeat";
  }

  @Override
  public BackendModel load(ModelContext context) {
    if (!context.config().getModelTransactionPolicy().getDecoupled()) {
      throw new NereidException.InvalidArgument(
          "repeat model '" + context.name() + "' must be decoupled: set model_transaction_policy { decoupled: true }");
    }
    ExecutorService responders = Executors.newThreadPerTaskExecutor(
        Thread.ofVirtual().name("nereid-repeat-" + context.name() + "-", 0).factory());
    return new BackendModel() {
      @Override
      public BackendInstance createInstance(InstanceContext instance) {
        return batch -> execute(batch, responders);
      }

      @Override
      public void close() throws InterruptedException {
        responders.shutdownNow();
        responders.awaitTermination(5, TimeUnit.SECONDS);
      }
    };
  }

  private static void execute(Batch batch, ExecutorService responders) throws InterruptedException {
    long waitMs = 0;
    for (BackendRequest request : batch.requests()) {
      int[] in = ints(request.input("IN"));
      int[] delay = request.input("DELAY") == null ? new int[in.length] : ints(request.input("DELAY"));
      if (delay.length != in.length) {
        request.responder().fail(new NereidException.InvalidArgument(
            "repeat: DELAY has " + delay.length + " elements but IN has " + in.length));
        continue;
      }
      Tensor wait = request.input("WAIT");
      if (wait != null && wait.elementCount() > 0) {
        waitMs = Math.max(waitMs, Integer.toUnsignedLong(ints(wait)[0]));
      }
      responders.execute(() -> respond(request, in, delay));
    }
    Thread.sleep(waitMs);
  }

  private static void respond(BackendRequest request, int[] in, int[] delay) {
    try {
      for (int i = 0; i < in.length; i++) {
        Thread.sleep(Integer.toUnsignedLong(delay[i]));
        if (request.isCancelled()) {
          request.responder().fail(new NereidException.Cancelled("repeat: request '" + request.id() + "' was cancelled"));
          return;
        }
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put("OUT", Tensor.of(new int[] {in[i]}));
        outputs.put("IDX", Tensor.of(dev.nereid.DataType.UINT32, new int[] {i}, 1));
        request.responder().send(outputs, ResponseFlag.MORE);
      }
      request.responder().complete();
    } catch (InterruptedException e) {
      request.responder().fail(new NereidException.Cancelled("repeat: the model was unloaded while responding"));
    }
  }

  private static int[] ints(Tensor t) {
    IntBuffer b = t.data().asIntBuffer();
    int[] out = new int[b.remaining()];
    b.get(out);
    return out;
  }
}
