package dev.nereid.internal.scheduler;

import dev.nereid.internal.request.PendingRequest;
import java.util.List;

/**
 * The narrow door between a loaded model and how its requests reach its instances. A new scheduling
 * policy is one class behind this door; nothing else knows which policy runs.
 */
public interface Scheduler {
  /**
   * Takes a request. On return the scheduler owns it and will give it a final response; on an
   * exception the caller still owns it.
   *
   * @param mayRunOnCaller the calling thread may be held for one execution (a caller blocked waiting
   *     for this request anyway, or an event loop serving a fast model), so the scheduler may run it
   *     there when an instance is idle and nothing is queued
   * @throws dev.nereid.NereidException.Unavailable when the queue is full or the scheduler stopped
   */
  void enqueue(PendingRequest request, boolean mayRunOnCaller);

  /** Removes a request still waiting in the queue; true if it was there. */
  boolean remove(PendingRequest request);

  /** Requests waiting in the queue. */
  int queued();

  /** Removes and returns every queued request, which the caller must answer. */
  List<PendingRequest> drainQueued();

  /**
   * Stops the instance threads once they finish their current batch, waiting at most until the
   * deadline; returns the instances whose threads exited (those safe to close).
   */
  List<ModelInstance> stop(long deadlineNanos);
}
