package dev.nereid.http;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The requests between arrival and response, so a closing front end can wait for them and, when the
 * wait runs out, answer those left instead of dropping their connections.
 */
final class InFlight {
  private final Set<Exchange> exchanges = ConcurrentHashMap.newKeySet();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition();
  private volatile boolean closing;

  void started(Exchange exchange) {
    exchanges.add(exchange);
  }

  void finished(Exchange exchange) {
    if (exchanges.remove(exchange) && exchanges.isEmpty() && closing) {
      lock.lock();
      try {
        idle.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  int count() {
    return exchanges.size();
  }

  /** The requests not yet answered, at this moment. */
  List<Exchange> snapshot() {
    return List.copyOf(exchanges);
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
      while (!exchanges.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return false;
        idle.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return exchanges.isEmpty();
    } finally {
      lock.unlock();
    }
  }
}
