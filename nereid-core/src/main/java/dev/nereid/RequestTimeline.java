package dev.nereid;

/**
 * Told when a request passes the points of its life that a trace records: accepted into a model's
 * queue, execution started, final response produced. Set one with
 * {@link InferenceRequest.Builder#timeline}; tracing front ends use it to make spans, and the in-process
 * API to continue a caller's trace. Times are {@link System#nanoTime()} readings.
 *
 * <p>Calls come from the server's threads (a model's instance thread, often): keep them short and
 * never block. The default methods do nothing, and {@link #NONE} is what untraced requests carry.
 */
public interface RequestTimeline {
  /** No trace: every point ignored. */
  RequestTimeline NONE = new RequestTimeline() {};

  /** The request was accepted by model {@code model} and waits for an instance. */
  default void queued(String model, long modelVersion, long nanoTime) {}

  /** A model instance started executing the request (alone or in a batch). */
  default void computeStarted(long nanoTime) {}

  /** The request's final response was produced, or its error. */
  default void computeEnded(long nanoTime, Outcome outcome) {}

  /** How a request ended, as {@link #computeEnded} reports it. */
  enum Outcome {
    /** The final response carries outputs (or nothing, for a decoupled model's closing flag). */
    SUCCESS,
    /** The request ended with an error. */
    ERROR
  }

  /**
   * The timeline of a request this one makes of another model (an ensemble's step, a Java model's
   * call to another model): a child in the trace.
   */
  default RequestTimeline child() {
    return NONE;
  }
}
