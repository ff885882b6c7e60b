package dev.nereid.testing.javamodels;

import dev.nereid.InferenceResponse;
import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.model.JavaModelContext;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.ResponseFlag;
import java.util.Map;

/**
 * Y = X + add (config parameter), then, if the config names a {@code next} model, whatever that model
 * answers for Y: a chain of models calling models, each blocking on the next (BLS, sync). The last
 * link answers META = "id/priority/timeout" of the request it got, which the others pass back.
 */
public final class ChainModel implements JavaModel {
  private JavaModelContext context;
  private float add;
  private String next;

  @Override
  public void initialize(JavaModelContext context) {
    this.context = context;
    this.add = Float.parseFloat(context.parameter("add").orElse("1"));
    this.next = context.parameter("next").orElse("");
  }

  @Override
  public void execute(Batch batch) {
    for (BackendRequest r : batch.requests()) {
      float[] x = r.input("X").toFloatArray();
      for (int i = 0; i < x.length; i++) x[i] += add;
      Tensor y = Tensor.of(x, x.length);
      Tensor meta = Tensor.of(new String[] {r.id() + "/" + r.priority() + "/" + r.timeoutMicros()}, 1);
      if (!next.isEmpty()) {
        InferenceResponse answer = context.model(next).infer(context.childRequest(r).input("X", y).build()).next();
        y = answer.output("Y");
        meta = answer.output("META");
      }
      r.responder().send(Map.of("Y", y, "META", meta), ResponseFlag.FINAL);
    }
  }
}
