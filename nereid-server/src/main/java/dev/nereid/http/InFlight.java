package dev.nereid.http;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Counts requests between arrival and response, so a closing front end can wait for them. */
final class InFlight {
  private final AtomicInteger count = new AtomicInteger();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition();
  private volatile boolean closing;

  void started() {
    count.incrementAndGet();
  }

  void finished() {
    if (count.decrementAndGet() == 0 && closing) {
      lock.lock();
      try {
        idle.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  int count() {
    return count.get();
  }

  boolean closing() {
    return closing;
  }

  /** Marks the front end closing; from now on connections close after their current response. */
  void startClosing() {
    closing = true;
  }

  /** Waits until no request is in flight; false when the timeout passed first. */
  boolean awaitIdle(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (count.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return false;
        idle.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return count.get() == 0;
    } finally {
      lock.unlock();
    }
  }
}
