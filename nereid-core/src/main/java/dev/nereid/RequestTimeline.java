package dev.nereid;

import java.util.Map;

/**
 * Told when a request passes the points of its life that a trace records, as Triton names them:
 * accepted by the server ({@code REQUEST_START}), queued ({@code QUEUE_START}), execution started
 * ({@code COMPUTE_START}), inputs ready and outputs begun as the backend reports them
 * ({@code COMPUTE_INPUT_END}, {@code COMPUTE_OUTPUT_START}), final response produced
 * ({@code COMPUTE_END}, {@code REQUEST_END}); and, when {@link #tensors()} says so, the tensors that
 * enter the queue and leave the backend. Set one with {@link InferenceRequest.Builder#timeline}; tracing
 * front ends use it to make spans, and the in-process API to continue a caller's trace. Times are
 * {@link System#nanoTime()} readings.
 *
 * <p>Calls come from the server's threads (a model's instance thread, often): keep them short and
 * never block. The default methods do nothing, and {@link #NONE} is what untraced requests carry.
 */
public interface RequestTimeline {
  /** No trace: every point ignored. */
  RequestTimeline NONE = new RequestTimeline() {};

  /** Model {@code model}'s version {@code modelVersion} accepted the request ({@code REQUEST_START}). */
  default void started(String model, long modelVersion, long nanoTime) {}

  /** The request entered the model's scheduling queue, or went straight to an instance ({@code QUEUE_START}). */
  default void queued(long nanoTime) {}

  /** A model instance started executing the request, alone or in a batch ({@code COMPUTE_START}). */
  default void computeStarted(long nanoTime) {}

  /** The backend has its inputs ready and starts inferring ({@code COMPUTE_INPUT_END}). */
  default void computeInputEnded(long nanoTime) {}

  /** The backend has inferred and starts producing outputs ({@code COMPUTE_OUTPUT_START}). */
  default void computeOutputStarted(long nanoTime) {}

  /** The request's final response was produced, or its error ({@code COMPUTE_END}, {@code REQUEST_END}). */
  default void computeEnded(long nanoTime, Outcome outcome) {}

  /** How a request ended, as {@link #computeEnded} reports it. */
  enum Outcome {
    /** The final response carries outputs (or nothing, for a decoupled model's closing flag). */
    SUCCESS,
    /** The request ended with an error. */
    ERROR
  }

  /**
   * Whether the trace records tensor contents (Triton's {@code TENSORS} level): only then does the
   * server call {@link #inputs} and {@link #outputs}, which read every element.
   */
  default boolean tensors() {
    return false;
  }

  /** The inputs as the request entered the queue ({@code TENSOR_QUEUE_INPUT}); read them before returning. */
  default void inputs(Map<String, Tensor> inputs) {}

  /** The outputs of one response the backend sent ({@code TENSOR_BACKEND_OUTPUT}); read them before returning. */
  default void outputs(Map<String, Tensor> outputs) {}

  /**
   * The timeline of a request this one makes of another model (an ensemble's step, a Java or Python
   * model's call to another model): a child in the trace.
   */
  default RequestTimeline child() {
    return NONE;
  }
}
