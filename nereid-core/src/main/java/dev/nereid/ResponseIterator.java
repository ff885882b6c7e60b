package dev.nereid;

import dev.nereid.internal.request.ResponseQueue;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The responses to one request, in the order they arrive: {@link #next()} blocks until the next
 * response comes, and iteration ends after the response flagged final. By default a failed response
 * is thrown as its {@link NereidException}; call {@link #raiseOnError(boolean) raiseOnError(false)}
 * to receive it as a response with {@link InferenceResponse#error()} set instead.
 *
 * <p>Closing the iterator before the final response cancels the request.
 */
public final class ResponseIterator implements Iterator<InferenceResponse>, Iterable<InferenceResponse>, AutoCloseable {
  private final ResponseQueue queue;
  private boolean raiseOnError = true;
  private boolean finished;

  ResponseIterator(ResponseQueue queue) {
    this.queue = queue;
  }

  /** Whether a failed response is thrown (true, the default) or returned. */
  public ResponseIterator raiseOnError(boolean raise) {
    this.raiseOnError = raise;
    return this;
  }

  @Override
  public boolean hasNext() {
    return !finished;
  }

  @Override
  public InferenceResponse next() {
    if (finished) {
      throw new NoSuchElementException("the final response was already returned");
    }
    InferenceResponse response = queue.take();
    if (response.isFinal()) {
      finished = true;
    }
    if (raiseOnError && response.error().isPresent()) {
      throw response.error().get();
    }
    return response;
  }

  /** Returns this iterator, so a request's responses can be used in a for-each loop once. */
  @Override
  public Iterator<InferenceResponse> iterator() {
    return this;
  }

  /**
   * Asks for the request to be cancelled: a queued request is answered at once with a CANCELLED
   * response; a running one is told through a flag its backend may check. Best-effort, as in Triton.
   */
  public void cancel() {
    queue.cancel();
  }

  /** Cancels the request if its final response has not arrived. */
  @Override
  public void close() {
    if (!finished && !queue.isComplete()) {
      queue.cancel();
    }
  }
}
