package dev.nereid.internal.request;

import dev.nereid.InferenceResponse;

/** Where one request's responses go: an iterator, a future, or a publisher. */
public interface ResponseSink {
  /** Called once the request is accepted, before any response; lets the sink cancel it. */
  default void onAccepted(PendingRequest request) {}

  /** One response; called from any thread, the final one exactly once and last. */
  void onResponse(InferenceResponse response);
}
