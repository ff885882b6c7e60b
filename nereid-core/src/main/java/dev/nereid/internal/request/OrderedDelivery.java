package dev.nereid.internal.request;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Delivers final responses in ticket order ({@code preserve_ordering}): a response whose
 * predecessors have not been delivered waits here. Whoever delivers the next expected ticket also
 * delivers every waiting successor, outside the lock and in order. Every ticket handed out must be
 * delivered once, which holds because every accepted request gets exactly one final response.
 */
public final class OrderedDelivery {
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<Long, Runnable> waiting = new HashMap<>();
  private long nextTicket;
  private long nextToDeliver;
  private boolean draining;

  /** The next ticket, in the order requests are accepted. */
  public long ticket() {
    lock.lock();
    try {
      return nextTicket++;
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code delivery} once every earlier ticket has been delivered. */
  public void deliver(long ticket, Runnable delivery) {
    lock.lock();
    try {
      waiting.put(ticket, delivery);
      if (draining) {
        return;
      }
      draining = true;
    } finally {
      lock.unlock();
    }
    while (true) {
      Runnable next;
      lock.lock();
      try {
        next = waiting.remove(nextToDeliver);
        if (next == null) {
          draining = false;
          return;
        }
        nextToDeliver++;
      } finally {
        lock.unlock();
      }
      next.run();
    }
  }
}
