package dev.nereid.spi;

import dev.nereid.Tensor;
import java.util.Map;
import java.util.Set;

/**
 * A validated request as a backend sees it: inputs already converted to the config's data types and
 * checked against its shapes.
 */
public interface BackendRequest {
  /** The caller's request id, or empty. */
  String id();

  /** The sequence id: a Long, a String, or null when the request has none. */
  Object correlationId();

  /** Whether the request starts a sequence. */
  boolean sequenceStart();

  /** Whether the request ends a sequence. */
  boolean sequenceEnd();

  /**
   * The request's trace hook. Requests a model makes of other models on its instance thread while it
   * executes this one join its trace as children by themselves; a model that makes them from threads
   * of its own passes {@code timeline().child()} to them (as ensembles do).
   */
  default dev.nereid.RequestTimeline timeline() {
    return dev.nereid.RequestTimeline.NONE;
  }

  /** The request's priority level; 0 means the model's default. */
  default long priority() {
    return 0;
  }

  /** How long the request may wait in a queue, in microseconds; 0 means the model's default. */
  default long timeoutMicros() {
    return 0;
  }

  /** Request parameters: String, Long, Double or Boolean values. */
  Map<String, Object> parameters();

  /** The inputs by name. */
  Map<String, Tensor> inputs();

  /** The input with this name, or null when the request does not carry it (an optional input). */
  default Tensor input(String name) {
    return inputs().get(name);
  }

  /** The outputs the caller asked for; empty means all. */
  Set<String> requestedOutputs();

  /** Whether the caller wants this output. */
  default boolean wantsOutput(String name) {
    return requestedOutputs().isEmpty() || requestedOutputs().contains(name);
  }

  /**
   * Keeps this request's inputs valid past its final response until the returned handle runs: for a
   * backend that hands them to work that may finish after it answers (an ensemble's other steps, a
   * background task). The request is released (see {@link dev.nereid.InferenceRequest.Builder#releaseCallback})
   * only when its final response is sent and every hold has ended. Running the handle again does nothing.
   *
   * <p>Without a hold a backend must not read the inputs, nor keep anything that shares their memory,
   * after it sends the request's final response: the caller may reuse that memory at once.
   */
  Runnable holdInputs();

  /** Whether the caller cancelled the request; a long-running backend should check and stop. */
  boolean isCancelled();

  /** Where this request's responses go. */
  ResponseSender responder();
}
