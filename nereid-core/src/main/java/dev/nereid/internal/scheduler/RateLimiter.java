package dev.nereid.internal.scheduler;

import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Triton's rate limiter: named resources with counts, shared by every model of a server. An instance
 * whose {@code instance_group} declares {@code rate_limiter { resources }} runs a batch only once all
 * of them are free, and gives them back when it is done. Waiting instances are served by their
 * group's priority (lower first), then in arrival order, so a large request is not starved by small
 * ones. A resource the server does not declare gets the largest count any instance asks for.
 */
public final class RateLimiter {
  private record Waiter(long priority, long arrival, Map<String, Long> need) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition freed = lock.newCondition();
  private final Map<String, Long> declared;
  private final Map<String, Long> capacity = new HashMap<>();
  private final Map<String, Long> available = new HashMap<>();
  private final PriorityQueue<Waiter> waiting = new PriorityQueue<>(
      (x, y) -> x.priority() != y.priority() ? Long.compare(x.priority(), y.priority()) : Long.compare(x.arrival(), y.arrival()));
  private long arrivals;

  public RateLimiter(Map<String, Long> declared) {
    this.declared = Map.copyOf(declared);
    this.declared.forEach((name, count) -> {
      capacity.put(name, count);
      available.put(name, count);
    });
  }

  /**
   * Makes an instance's needs known, growing undeclared resources to fit them.
   *
   * @throws dev.nereid.NereidException.InvalidArgument when a need exceeds a declared resource
   */
  public void register(Map<String, Long> need) {
    lock.lock();
    try {
      need.forEach((name, count) -> {
        if (declared.containsKey(name)) {
          if (count > declared.get(name)) {
            throw new dev.nereid.NereidException.InvalidArgument("an instance needs " + count
                + " of rate limiter resource '" + name + "', but the server has only " + declared.get(name));
          }
          return;
        }
        long current = capacity.getOrDefault(name, 0L);
        if (count > current) {
          capacity.put(name, count);
          available.merge(name, count - current, Long::sum);
        }
      });
    } finally {
      lock.unlock();
    }
  }

  /** Waits until every needed resource is free and takes them; throws if one can never be satisfied. */
  public void acquire(Map<String, Long> need, long priority) throws InterruptedException {
    lock.lock();
    try {
      for (Map.Entry<String, Long> e : need.entrySet()) {
        long cap = capacity.getOrDefault(e.getKey(), 0L);
        if (e.getValue() > cap) {
          throw new IllegalStateException("rate limiter resource '" + e.getKey() + "' has " + cap
              + " in all, but an instance needs " + e.getValue());
        }
      }
      Waiter me = new Waiter(priority, arrivals++, need);
      waiting.add(me);
      try {
        while (waiting.peek() != me || !fits(need)) {
          freed.await();
        }
      } finally {
        waiting.remove(me);
        freed.signalAll();
      }
      need.forEach((name, count) -> available.merge(name, -count, Long::sum));
    } finally {
      lock.unlock();
    }
  }

  /** Gives resources back. */
  public void release(Map<String, Long> need) {
    lock.lock();
    try {
      need.forEach((name, count) -> available.merge(name, count, Long::sum));
      freed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private boolean fits(Map<String, Long> need) {
    for (Map.Entry<String, Long> e : need.entrySet()) {
      if (available.getOrDefault(e.getKey(), 0L) < e.getValue()) return false;
    }
    return true;
  }
}
