package dev.nereid.testing.javamodels;

import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.ResponseFlag;
import java.util.Map;

/**
 * A stateful model that answers each request of a sequence with the previous request's X: its state
 * output is the request's own input tensor, sharing that request's memory, as a pass-through model's
 * outputs do. Inputs X and STATE_IN, outputs Y and STATE_OUT, FP32 [1].
 */
public final class PreviousValueModel implements JavaModel {
  @Override
  public void execute(Batch batch) {
    for (BackendRequest r : batch.requests()) {
      r.responder().send(Map.of("Y", r.input("STATE_IN"), "STATE_OUT", r.input("X")), ResponseFlag.FINAL);
    }
  }
}
