package dev.nereid.internal.request;

import dev.nereid.InferenceResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Completes a future with a request's final response, or with its error. The future is completed on
 * the response executor so that the caller's dependent stages never run on a model's instance thread.
 */
public final class FutureSink implements ResponseSink {
  private final CompletableFuture<InferenceResponse> future = new CompletableFuture<>();
  private final Executor executor;

  public FutureSink(Executor executor) {
    this.executor = executor;
  }

  public CompletableFuture<InferenceResponse> future() {
    return future;
  }

  @Override
  public void onAccepted(PendingRequest request) {
    future.whenComplete((r, e) -> {
      if (future.isCancelled()) request.cancel();
    });
  }

  @Override
  public void onResponse(InferenceResponse response) {
    if (!response.isFinal()) {
      return;
    }
    executor.execute(() -> {
      if (response.error().isPresent()) {
        future.completeExceptionally(response.error().get());
      } else {
        future.complete(response);
      }
    });
  }
}
