package dev.nereid.internal.scheduler;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One daemon thread for the whole JVM that applies queue timeouts when no instance thread is free to
 * notice them. Used only by requests that have a queue timeout; a task is a short, non-blocking check.
 */
final class QueueTimer {
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("nereid-queue-timeouts").factory());

  private QueueTimer() {}

  /** Runs {@code check} once {@code System.nanoTime()} reaches {@code deadlineNanos}. */
  static void at(long deadlineNanos, Runnable check) {
    TIMER.schedule(check, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
  }
}
