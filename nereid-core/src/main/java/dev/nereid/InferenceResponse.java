package dev.nereid;

import java.util.Map;
import java.util.Optional;

/**
 * One response to an inference request. A model that is not decoupled sends exactly one, flagged
 * final; a decoupled model sends zero or more, then a final one that may carry no outputs.
 *
 * @param model the model's name
 * @param modelVersion the version that served the request
 * @param requestId the request's id, or empty
 * @param parameters response parameters set by the backend
 * @param outputs the outputs by name, in the model's order
 * @param error the error, if the request failed; a failed response is always final
 * @param isFinal whether this is the last response to its request
 */
public record InferenceResponse(
    String model,
    long modelVersion,
    String requestId,
    Map<String, Object> parameters,
    Map<String, Tensor> outputs,
    Optional<NereidException> error,
    boolean isFinal) implements AutoCloseable {

  /**
   * The output with this name.
   *
   * @throws NereidException the response's error, when it failed
   * @throws NereidException.NotFound when the response has no such output
   */
  public Tensor output(String name) {
    if (error.isPresent()) {
      throw error.get();
    }
    Tensor t = outputs.get(name);
    if (t == null) {
      throw new NereidException.NotFound(
          "response from model '" + model + "' has no output '" + name + "'; it has " + outputs.keySet());
    }
    return t;
  }

  /**
   * Gives the outputs' memory back to the server for reuse. Reading an output afterwards throws
   * {@link IllegalStateException}; a buffer taken from one earlier may hold another response's data.
   * Closing twice does nothing more.
   */
  @Override
  public void close() {
    for (Tensor t : outputs.values()) t.release();
  }
}
