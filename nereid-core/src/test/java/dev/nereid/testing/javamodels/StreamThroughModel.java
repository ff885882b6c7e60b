package dev.nereid.testing.javamodels;

import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.model.JavaModel;
import dev.nereid.model.JavaModelContext;
import dev.nereid.NereidException;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.ResponseFlag;
import java.util.Map;
import java.util.concurrent.Flow;

/**
 * Decoupled BLS: passes N to the decoupled model named by config parameter {@code target} and sends
 * each of its responses on as a response of its own (I renamed OUT) as it arrives, then the final flag.
 */
public final class StreamThroughModel implements JavaModel {
  private JavaModelContext context;

  @Override
  public void initialize(JavaModelContext context) {
    this.context = context;
  }

  @Override
  public void execute(Batch batch) {
    for (BackendRequest r : batch.requests()) {
      InferenceRequest call = context.childRequest(r).input("N", r.input("N")).build();
      context.model(context.parameter("target").orElseThrow()).inferStream(call).subscribe(new Flow.Subscriber<>() {
        @Override
        public void onSubscribe(Flow.Subscription subscription) {
          subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(InferenceResponse response) {
          if (!response.outputs().isEmpty()) r.responder().send(Map.of("OUT", response.output("I")), ResponseFlag.MORE);
        }

        @Override
        public void onError(Throwable error) {
          r.responder().fail(error instanceof NereidException e ? e
              : new NereidException.Internal("stream failed: " + error, error));
        }

        @Override
        public void onComplete() {
          r.responder().complete();
        }
      });
    }
  }
}
