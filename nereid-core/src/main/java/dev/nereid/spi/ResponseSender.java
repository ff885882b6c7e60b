package dev.nereid.spi;

import dev.nereid.NereidException;
import dev.nereid.Tensor;
import java.util.Map;

/**
 * Sends one request's responses. A model that is not decoupled sends exactly one response, final; a
 * decoupled model sends any number and then a final one. Anything sent after the final response is
 * dropped. Thread-safe.
 */
public interface ResponseSender {
  /**
   * Sends a response with these outputs. Only outputs the request asked for are passed on; the
   * tensors are handed over and must not change afterwards. {@link ResponseFlag#FINAL} completes the request.
   */
  void send(Map<String, Tensor> outputs, ResponseFlag flag);

  /** Sends a response with outputs and response parameters. */
  void send(Map<String, Tensor> outputs, Map<String, Object> parameters, ResponseFlag flag);

  /** Sends the final flag with no outputs: how a decoupled model ends its responses. */
  void complete();

  /** Ends the request with an error, as its final response. */
  void fail(NereidException error);

  /** Whether the final response was sent. */
  boolean isComplete();
}
