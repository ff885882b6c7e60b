package dev.nereid.internal.request;

import dev.nereid.RequestTimeline;
import java.util.List;

/**
 * The traced request a model instance is executing on this thread, so that the requests the model
 * makes of other models meanwhile (business logic) join its trace as children without the model
 * passing the timeline along. Only the instance's own thread is known: a model that calls other models
 * from threads of its own passes {@code request.timeline().child()} itself.
 */
public final class ExecutingRequest {
  private static final ThreadLocal<RequestTimeline> CURRENT = new ThreadLocal<>();
  /** What {@link #enter} returns when it changed nothing, so {@link #exit} leaves the thread alone. */
  private static final RequestTimeline UNCHANGED = new RequestTimeline() {};

  private ExecutingRequest() {}

  /**
   * Marks the first traced request of a batch as executing on this thread (a batch of untraced ones
   * clears what an outer execution set).
   *
   * @return what {@link #exit} restores
   */
  public static RequestTimeline enter(List<PendingRequest> batch) {
    RequestTimeline traced = null;
    for (PendingRequest r : batch) {
      if (r.timeline() != RequestTimeline.NONE) {
        traced = r.timeline();
        break;
      }
    }
    RequestTimeline previous = CURRENT.get();
    if (traced == null && previous == null) return UNCHANGED;
    CURRENT.set(traced);
    return previous;
  }

  /** Ends what {@link #enter} began, restoring an outer execution's request (a model run on its caller's thread). */
  public static void exit(RequestTimeline previous) {
    if (previous == UNCHANGED) return;
    if (previous == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(previous);
    }
  }

  /** A child of the traced request executing on this thread, or {@link RequestTimeline#NONE}. */
  static RequestTimeline childTimeline() {
    RequestTimeline executing = CURRENT.get();
    return executing == null ? RequestTimeline.NONE : executing.child();
  }
}
