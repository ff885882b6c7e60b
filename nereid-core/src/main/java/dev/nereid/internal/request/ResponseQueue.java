package dev.nereid.internal.request;

import dev.nereid.InferenceResponse;
import dev.nereid.NereidException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Responses waiting for a caller blocked in {@code ResponseIterator.next()}. Producers never block;
 * one consumer parks until a response arrives. No lock: a parked consumer is woken by the producer.
 */
public final class ResponseQueue implements ResponseSink {
  private final ConcurrentLinkedQueue<InferenceResponse> responses = new ConcurrentLinkedQueue<>();
  private volatile Thread waiter;
  private volatile PendingRequest request;
  private volatile boolean cancelRequested;
  private volatile boolean complete;

  @Override
  public void onAccepted(PendingRequest accepted) {
    this.request = accepted;
    if (cancelRequested) {
      accepted.cancel();
    }
  }

  @Override
  public void onResponse(InferenceResponse response) {
    responses.add(response);
    if (response.isFinal()) {
      complete = true;
    }
    Thread w = waiter;
    if (w != null) {
      LockSupport.unpark(w);
    }
  }

  /** Waits for and removes the next response. An interrupt cancels the request. */
  public InferenceResponse take() {
    InferenceResponse r = responses.poll();
    if (r != null) {
      return r;
    }
    Thread current = Thread.currentThread();
    waiter = current;
    try {
      while ((r = responses.poll()) == null) {
        LockSupport.park(this);
        if (Thread.interrupted()) {
          cancel();
          current.interrupt();
          throw new NereidException.Cancelled("interrupted while waiting for a response");
        }
      }
      return r;
    } finally {
      waiter = null;
    }
  }

  /** Whether the final response has arrived. */
  public boolean isComplete() {
    return complete;
  }

  /** Cancels the request, now if it was accepted, else as soon as it is. */
  public void cancel() {
    cancelRequested = true;
    PendingRequest r = request;
    if (r != null) {
      r.cancel();
    }
  }
}
