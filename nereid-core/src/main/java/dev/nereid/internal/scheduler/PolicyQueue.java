package dev.nereid.internal.scheduler;

import dev.nereid.NereidException;
import dev.nereid.internal.request.PendingRequest;
import dev.nereid.proto.ModelDynamicBatching;
import dev.nereid.proto.ModelQueuePolicy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The queue policy both batchers share (Triton's {@code PolicyQueue}): priority levels with a bound
 * each, per-request queue timeouts that reject or delay a request, and the delayed queue behind them.
 *
 * <p>Two sides with different locking. Callers {@link #admit} and {@link #offer} without any lock:
 * the bound is an atomic count per level and new requests go to a lock-free inbox, so no per-model
 * lock is taken by every request. The scheduler's side ({@link #absorb}, {@link #expire},
 * {@link #inOrder}, {@link #take}, {@link #remove}, {@link #drain}) runs under the scheduler's own
 * lock, taken once per batch rather than once per request.
 */
public final class PolicyQueue {
  private final String modelName;
  private final int levels;
  private final int defaultLevel;
  private final ModelQueuePolicy[] policies;
  private final int[] capacities;
  private final AtomicIntegerArray admitted;
  private final ArrayDeque<PendingRequest>[] queues;
  private final ArrayDeque<PendingRequest> delayed = new ArrayDeque<>();
  private final ConcurrentLinkedQueue<PendingRequest> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicLong rows = new AtomicLong();
  private long earliestDeadline = Long.MAX_VALUE;

  /** The policy of a {@code dynamic_batching} block; {@code defaultCapacity} bounds levels without max_queue_size. */
  public static PolicyQueue of(String modelName, ModelDynamicBatching config, int defaultCapacity) {
    int levels = Math.max(1, (int) config.getPriorityLevels());
    int defaultLevel = config.getDefaultPriorityLevel() >= 1 && config.getDefaultPriorityLevel() <= levels
        ? (int) config.getDefaultPriorityLevel() : levels;
    ModelQueuePolicy[] policies = new ModelQueuePolicy[levels + 1];
    Map<Long, ModelQueuePolicy> perLevel = config.getPriorityQueuePolicyMap();
    for (int level = 1; level <= levels; level++) {
      policies[level] = perLevel.getOrDefault((long) level, config.getDefaultQueuePolicy());
    }
    return new PolicyQueue(modelName, levels, defaultLevel, policies, defaultCapacity);
  }

  /** One level bounded by {@code capacity}, no timeouts: the sequence batcher's admission. */
  public static PolicyQueue bounded(String modelName, int capacity) {
    ModelQueuePolicy policy = ModelQueuePolicy.newBuilder().setMaxQueueSize(capacity).build();
    return new PolicyQueue(modelName, 1, 1, new ModelQueuePolicy[] {null, policy}, capacity);
  }

  @SuppressWarnings("unchecked")
  private PolicyQueue(String modelName, int levels, int defaultLevel, ModelQueuePolicy[] policies, int defaultCapacity) {
    this.modelName = modelName;
    this.levels = levels;
    this.defaultLevel = defaultLevel;
    this.policies = policies;
    this.capacities = new int[levels + 1];
    this.queues = new ArrayDeque[levels + 1];
    for (int level = 1; level <= levels; level++) {
      long max = policies[level].getMaxQueueSize();
      capacities[level] = max > 0 ? (int) Math.min(max, Integer.MAX_VALUE) : defaultCapacity;
      queues[level] = new ArrayDeque<>();
    }
    this.admitted = new AtomicIntegerArray(levels + 1);
  }

  /**
   * Gives the request its level and queue deadline and counts it against its level's bound. Any
   * thread, no lock.
   *
   * @throws NereidException.Unavailable when the level's queue is full
   */
  public void admit(PendingRequest request) {
    int level = levelOf(request.request().priority());
    ModelQueuePolicy policy = policies[level];
    long timeoutMicros = policy.getAllowTimeoutOverride() && request.request().timeoutMicros() > 0
        ? request.request().timeoutMicros() : policy.getDefaultTimeoutMicroseconds();
    long deadline = timeoutMicros > 0 ? request.arrivalNanos() + TimeUnit.MICROSECONDS.toNanos(timeoutMicros) : 0;
    if (deadline == 0 && timeoutMicros > 0) deadline = 1; // 0 means "none"
    request.queuePolicy(level, deadline, policy.getTimeoutAction() == ModelQueuePolicy.TimeoutAction.DELAY);
    if (admitted.incrementAndGet(level) > capacities[level]) {
      admitted.decrementAndGet(level);
      // Triton's words first: its clients and QA tests match on them.
      throw new NereidException.Unavailable("Exceeds maximum queue size: inference request for model '" + modelName
          + "' rejected: the queue is full (max_queue_size " + capacities[level]
          + (levels > 1 ? " at priority level " + level : "") + ")");
    }
    count.incrementAndGet();
    rows.addAndGet(ModelInstance.batchSize(request));
  }

  /** Puts an admitted request in the queue. Any thread, no lock. */
  public void offer(PendingRequest request) {
    inbox.add(request);
  }

  /** Whether requests were offered since the last {@link #absorb}. Any thread. */
  public boolean hasNew() {
    return !inbox.isEmpty();
  }

  /** Requests admitted and not yet taken, removed or expired. Any thread. */
  public int count() {
    return count.get();
  }

  /** Their rows (batch dimensions) summed. Any thread. */
  public long rows() {
    return rows.get();
  }

  // --- the scheduler's side, under its lock

  /** Moves offered requests into their levels' queues. */
  public void absorb() {
    PendingRequest r;
    while ((r = inbox.poll()) != null) {
      queues[r.priorityLevel()].add(r);
      long deadline = r.queueDeadlineNanos();
      if (deadline != 0 && (earliestDeadline == Long.MAX_VALUE || deadline - earliestDeadline < 0)) {
        earliestDeadline = deadline;
      }
    }
  }

  /** The earliest queue deadline of a queued request, or {@code Long.MAX_VALUE}. */
  public long earliestDeadline() {
    return earliestDeadline;
  }

  /**
   * Moves requests whose queue timeout passed behind the others (timeout action DELAY) or removes
   * them into {@code rejected}, which the caller must answer outside its lock.
   */
  public void expire(long now, List<PendingRequest> rejected) {
    if (earliestDeadline == Long.MAX_VALUE || now - earliestDeadline < 0) {
      return;
    }
    long next = Long.MAX_VALUE;
    for (int level = 1; level <= levels; level++) {
      for (Iterator<PendingRequest> it = queues[level].iterator(); it.hasNext(); ) {
        PendingRequest r = it.next();
        long deadline = r.queueDeadlineNanos();
        if (deadline == 0) continue;
        if (now - deadline >= 0) {
          it.remove();
          admitted.decrementAndGet(level);
          if (r.delayOnTimeout()) {
            delayed.add(r);
          } else {
            forget(r);
            rejected.add(r);
          }
        } else if (next == Long.MAX_VALUE || deadline - next < 0) {
          next = deadline;
        }
      }
    }
    earliestDeadline = next;
  }

  /** Queued requests in the order they are served: by priority level, oldest first, then the delayed ones. */
  public Iterable<PendingRequest> inOrder() {
    return () -> new Iterator<>() {
      private int level = 1;
      private Iterator<PendingRequest> current = queues[1].iterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext()) {
          if (level > levels) return false;
          level++;
          current = level <= levels ? queues[level].iterator() : delayed.iterator();
        }
        return true;
      }

      @Override
      public PendingRequest next() {
        if (!hasNext()) throw new NoSuchElementException();
        return current.next();
      }
    };
  }

  /** Removes requests chosen from {@link #inOrder} for a batch. */
  public void take(List<PendingRequest> batch) {
    for (PendingRequest r : batch) {
      ArrayDeque<PendingRequest> queue = queues[r.priorityLevel()];
      if (queue.peekFirst() == r) {
        queue.pollFirst();
        admitted.decrementAndGet(r.priorityLevel());
      } else if (queue.remove(r)) {
        admitted.decrementAndGet(r.priorityLevel());
      } else if (!delayed.remove(r)) {
        throw new IllegalStateException("request '" + r.id() + "' for model '" + modelName + "' is not queued");
      }
      forget(r);
    }
  }

  /** Removes one queued request (a cancellation); true if it was queued. */
  public boolean remove(PendingRequest request) {
    absorb();
    int level = request.priorityLevel();
    if (level >= 1 && level <= levels && queues[level].remove(request)) {
      admitted.decrementAndGet(level);
      forget(request);
      return true;
    }
    if (delayed.remove(request)) {
      forget(request);
      return true;
    }
    return false;
  }

  /** Removes and returns every queued request; the caller must answer them. */
  public List<PendingRequest> drain() {
    absorb();
    List<PendingRequest> all = new ArrayList<>();
    for (int level = 1; level <= levels; level++) {
      all.addAll(queues[level]);
      queues[level].clear();
      admitted.set(level, 0);
    }
    all.addAll(delayed);
    delayed.clear();
    for (PendingRequest r : all) forget(r);
    earliestDeadline = Long.MAX_VALUE;
    return all;
  }

  /**
   * Ends an admission without queueing (the sequence batcher, which keeps requests per sequence, calls
   * it when a request leaves for a batch or is removed). Any thread.
   */
  public void release(PendingRequest request) {
    admitted.decrementAndGet(request.priorityLevel());
    forget(request);
  }

  private void forget(PendingRequest r) {
    count.decrementAndGet();
    rows.addAndGet(-ModelInstance.batchSize(r));
  }

  private int levelOf(long priority) {
    return priority >= 1 && priority <= levels ? (int) priority : defaultLevel;
  }
}
