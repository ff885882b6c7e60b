package dev.nereid.testing.javamodels;

import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.model.JavaModelContext;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.ResponseFlag;
import dev.nereid.spi.ResponseSender;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;

/**
 * Business logic scripting: calls the model named by config parameter {@code target} (X -> Y) or the
 * decoupled {@code stream_target} (N -> I...) in the way the request parameter {@code mode} says, and
 * answers Y (FP32), CHILD_ID (the id the called model saw) or ERROR (code and message of the error the
 * call returned).
 */
public final class BlsModel implements JavaModel {
  private JavaModelContext context;
  private String target;
  private String streamTarget;

  @Override
  public void initialize(JavaModelContext context) {
    this.context = context;
    this.target = context.parameter("target").orElseThrow();
    this.streamTarget = context.parameter("stream_target").orElse("");
  }

  @Override
  public void execute(Batch batch) {
    for (BackendRequest r : batch.requests()) {
      Tensor x = r.input("X");
      String mode = String.valueOf(r.parameters().getOrDefault("mode", "sync"));
      ResponseSender out = r.responder();
      InferenceRequest call = context.childRequest(r).input("X", x).build();
      InferenceRequest bad = context.childRequest(r).input("WRONG", x).build();
      switch (mode) {
        case "sync" -> {
          InferenceResponse answer = context.model(target).infer(call).next();
          out.send(Map.of("Y", answer.output("Y"), "CHILD_ID", text(answer.requestId())), ResponseFlag.FINAL);
        }
        case "async" -> context.model(target).inferAsync(call).whenComplete((answer, error) -> {
          if (error != null) out.send(Map.of("ERROR", describe(error)), ResponseFlag.FINAL);
          else out.send(Map.of("Y", answer.output("Y"), "CHILD_ID", text(answer.requestId())), ResponseFlag.FINAL);
        });
        case "stream" -> stream(x, out);
        case "missing" -> {
          try {
            context.model("no_such_model").infer(call).next();
            out.send(Map.of(), ResponseFlag.FINAL);
          } catch (NereidException e) {
            out.send(Map.of("ERROR", describe(e)), ResponseFlag.FINAL);
          }
        }
        case "bad_input" -> {
          try {
            context.model(target).infer(bad).next();
            out.send(Map.of(), ResponseFlag.FINAL);
          } catch (NereidException e) {
            out.send(Map.of("ERROR", describe(e)), ResponseFlag.FINAL);
          }
        }
        case "async_error" -> context.model(target).inferAsync(bad).whenComplete((answer, error) ->
            out.send(error == null ? Map.of() : Map.of("ERROR", describe(error)), ResponseFlag.FINAL));
        case "uncaught" -> out.send(Map.of("Y", context.model("no_such_model").infer(call).next().output("Y")), ResponseFlag.FINAL);
        default -> throw new IllegalArgumentException("unknown mode " + mode);
      }
    }
  }

  /** Sends N = x.length to the decoupled model and answers Y = every I it streamed, in order. */
  private void stream(Tensor x, ResponseSender out) {
    InferenceRequest request = InferenceRequest.builder().input("N", new int[] {(int) x.elementCount()}).build();
    List<Float> received = new ArrayList<>();
    context.model(streamTarget).inferStream(request).subscribe(new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(InferenceResponse response) {
        if (!response.outputs().isEmpty()) received.add((float) response.output("I").toIntArray()[0]);
      }

      @Override
      public void onError(Throwable error) {
        out.send(Map.of("ERROR", describe(error)), ResponseFlag.FINAL);
      }

      @Override
      public void onComplete() {
        float[] y = new float[received.size()];
        for (int i = 0; i < y.length; i++) y[i] = received.get(i);
        out.send(Map.of("Y", Tensor.of(y, y.length)), ResponseFlag.FINAL);
      }
    });
  }

  private static Tensor text(String s) {
    return Tensor.of(new String[] {s}, 1);
  }

  private static Tensor describe(Throwable error) {
    Throwable e = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
    String code = e instanceof NereidException n ? n.code().name() : e.getClass().getSimpleName();
    return text(code + ": " + e.getMessage());
  }
}
