package dev.nereid.internal.scheduler;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a model's answer sets off on the thread that produced it (an ensemble's next steps), run there
 * as soon as that thread has released the instance it ran on. An ensemble step whose model answers on
 * the thread of the step before it thus runs on that thread too, with no hand-off, while no instance
 * stays claimed while another model runs, and no lock is held.
 *
 * <p>Work handed in while the thread executes a batch waits until that execution's instance is
 * released; work handed in on a thread that executes nothing runs at once. Work handed in while such
 * work runs is appended to the running loop instead of nested in it, so a long chain of steps does not
 * grow the stack.
 */
public final class Continuations {
  private static final Logger log = LoggerFactory.getLogger(Continuations.class);
  private static final ThreadLocal<Frame> FRAME = ThreadLocal.withInitial(Frame::new);
  private static final Executor EXECUTOR = Continuations::execute;

  private Continuations() {}

  /**
   * One thread's executions and the work they left. Level {@code n} holds the work to run once the
   * thread is back at {@code n} executions in progress; nested levels come from a model calling
   * another with a blocking call (BLS).
   */
  private static final class Frame {
    int executing;
    boolean instanceThread;
    @SuppressWarnings("unchecked")
    ArrayDeque<Runnable>[] pending = new ArrayDeque[2];
    boolean[] draining = new boolean[2];

    ArrayDeque<Runnable> pending(int level) {
      if (level >= pending.length) {
        pending = Arrays.copyOf(pending, level * 2);
        draining = Arrays.copyOf(draining, level * 2);
      }
      ArrayDeque<Runnable> queue = pending[level];
      if (queue == null) pending[level] = queue = new ArrayDeque<>();
      return queue;
    }

    boolean draining(int level) {
      return level < draining.length && draining[level];
    }
  }

  /** Runs the work on this thread, at once or as soon as the instance this thread runs is released. */
  public static Executor executor() {
    return EXECUTOR;
  }

  /** See {@link #executor()}. */
  public static void execute(Runnable work) {
    Frame f = FRAME.get();
    int level = f.executing;
    if (f.draining(level)) {
      f.pending(level).add(work);
    } else if (level > 0) {
      f.pending(level - 1).add(work);
    } else {
      work.run();
    }
  }

  /**
   * Whether this thread may run the next step of a pipeline itself: any thread but a model's instance
   * thread, which stays free for its own model's queue (queued work never waits behind another model).
   * A caller's thread would otherwise only wait for the answer.
   */
  public static boolean mayRunSteps() {
    return !FRAME.get().instanceThread;
  }

  /** Marks the calling thread as an instance thread of a scheduler; see {@link #mayRunSteps()}. */
  static void instanceThread() {
    FRAME.get().instanceThread = true;
  }

  /** A batch starts executing on this thread. */
  static void enter() {
    FRAME.get().executing++;
  }

  /** The batch that started last on this thread has finished executing (its instance may still be claimed). */
  static void leave() {
    FRAME.get().executing--;
  }

  /**
   * Runs the work the finished executions left at this thread's current level, unless a loop lower in
   * the stack already runs that level's work (it will pick this up when its current item returns).
   * Called once the instance is released.
   */
  static void runPending() {
    Frame f = FRAME.get();
    int level = f.executing;
    if (level >= f.pending.length || f.draining[level]) return;
    ArrayDeque<Runnable> queue = f.pending[level];
    if (queue == null || queue.isEmpty()) return;
    f.draining[level] = true;
    Error fatal = null;
    try {
      Runnable work;
      while ((work = queue.poll()) != null) {
        try {
          work.run();
        } catch (RuntimeException | StackOverflowError e) {
          log.error("work following a model's answer failed", e);
        } catch (Error e) {
          log.error("work following a model's answer failed", e);
          if (fatal == null) fatal = e;
        }
      }
    } finally {
      f.draining[level] = false;
    }
    if (fatal != null) throw fatal;
  }
}
