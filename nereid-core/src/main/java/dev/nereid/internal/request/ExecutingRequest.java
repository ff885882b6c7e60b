package dev.nereid.internal.request;

import dev.nereid.RequestTimeline;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The traced request a model instance is executing on this thread, so that the requests the model
 * makes of other models meanwhile (business logic) join its trace as children without the model
 * passing the timeline along. Only the instance's own thread is known: a model that calls other models
 * from threads of its own passes {@code request.timeline().child()} itself.
 *
 * <p>While no traced request executes anywhere, untraced requests pay one volatile read here, not a
 * thread-local lookup: {@link #ACTIVE} counts the executions that set one.
 */
public final class ExecutingRequest {
  private static final ThreadLocal<RequestTimeline> CURRENT = new ThreadLocal<>();
  /** How many executions, on all threads, have a traced request set in {@link #CURRENT}. */
  private static final AtomicInteger ACTIVE = new AtomicInteger();

  /** One execution's mark on its thread, ended by {@link #close}: restores what an outer execution set. */
  public static final class Scope implements AutoCloseable {
    /** What an execution that changed nothing ends. */
    private static final Scope UNCHANGED = new Scope(null, false);

    private final RequestTimeline previous;
    private final boolean counted;

    private Scope(RequestTimeline previous, boolean counted) {
      this.previous = previous;
      this.counted = counted;
    }

    @Override
    public void close() {
      if (this == UNCHANGED) return;
      if (counted) ACTIVE.decrementAndGet();
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    }
  }

  private ExecutingRequest() {}

  /**
   * Marks the first traced request of a batch as executing on this thread (a batch of untraced ones
   * hides what an outer execution on this thread set, a model run on its caller's thread).
   */
  public static Scope enter(List<PendingRequest> batch) {
    RequestTimeline traced = null;
    for (PendingRequest r : batch) {
      if (r.timeline() != RequestTimeline.NONE) {
        traced = r.timeline();
        break;
      }
    }
    if (traced == null && ACTIVE.get() == 0) return Scope.UNCHANGED; // no thread has one set: nothing to hide
    RequestTimeline previous = CURRENT.get();
    if (traced == null && previous == null) return Scope.UNCHANGED;
    CURRENT.set(traced);
    if (traced != null) ACTIVE.incrementAndGet();
    return new Scope(previous, traced != null);
  }

  /** A child of the traced request executing on this thread, or {@link RequestTimeline#NONE}. */
  static RequestTimeline childTimeline() {
    if (ACTIVE.get() == 0) return RequestTimeline.NONE;
    RequestTimeline executing = CURRENT.get();
    return executing == null ? RequestTimeline.NONE : executing.child();
  }
}
