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
import java.util.Map;

/**
 * Triton's square backend, a decoupled model: input {@code IN} (INT32 [1]) = n gives n responses, each
 * with {@code OUT} = n, then a final flag-only response.
 */
public final class SquareBackend implements Backend {
  @Override
  public String name() {
    return "square";
  }

  @Override
  public BackendModel load(ModelContext context) {
    if (!context.config().getModelTransactionPolicy().getDecoupled()) {
      throw new NereidException.InvalidArgument(
          "square model '" + context.name() + "' must be decoupled: set model_transaction_policy { decoupled: true }");
    }
    return new BackendModel() {
      @Override
      public BackendInstance createInstance(InstanceContext instance) {
        return SquareBackend::execute;
      }
    };
  }

  private static void execute(Batch batch) {
    for (BackendRequest request : batch.requests()) {
      Tensor in = request.input("IN");
      int n = in.data().getInt(0);
      if (n < 0) {
        request.responder().fail(new NereidException.InvalidArgument("square: IN must be >= 0, got " + n));
        continue;
      }
      for (int i = 0; i < n && !request.isCancelled(); i++) {
        request.responder().send(Map.of("OUT", Tensor.of(new int[] {n})), ResponseFlag.MORE);
      }
      if (request.isCancelled()) {
        request.responder().fail(new NereidException.Cancelled("square: request '" + request.id() + "' was cancelled"));
      } else {
        request.responder().complete();
      }
    }
  }
}
