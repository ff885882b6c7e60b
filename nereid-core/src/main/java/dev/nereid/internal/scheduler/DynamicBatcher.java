package dev.nereid.internal.scheduler;

import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.internal.request.FinalOutcome;
import dev.nereid.internal.request.OrderedDelivery;
import dev.nereid.internal.request.PendingRequest;
import dev.nereid.proto.ModelDynamicBatching;
import dev.nereid.proto.ModelQueuePolicy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Triton's dynamic batcher: requests wait in one queue per priority level; a batcher thread joins
 * compatible requests (same non-batch dimensions, unless an input allows ragged batches) into batches
 * of up to {@code max_batch_size}, sends a batch as soon as it reaches the maximum or a preferred size,
 * or once its oldest request has waited {@code max_queue_delay_microseconds}, and hands it to an idle
 * instance. The lock guards only the queues and the idle list: it is never held while a model runs.
 *
 * <p>With no queue delay, a caller that blocks for its answer anyway and finds the queues empty and
 * an instance idle runs its request itself, so batching costs nothing at low load.
 */
public final class DynamicBatcher implements Scheduler {
  private final String modelName;
  private final int maxBatchSize;
  private final long[] preferred;
  private final long maxDelayNanos;
  private final int levels;
  private final int defaultLevel;
  private final ModelQueuePolicy[] policies;
  private final int[] capacities;
  private final Set<String> raggedInputs;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<PendingRequest>[] queues;
  private final ArrayDeque<PendingRequest> delayed = new ArrayDeque<>();
  private final WorkerPool pool;
  private final OrderedDelivery order;
  private final Thread batcher;
  private int queuedCount;
  private long earliestDeadline = Long.MAX_VALUE;
  private volatile boolean stopped;

  @SuppressWarnings("unchecked")
  public DynamicBatcher(String modelName, int maxBatchSize, ModelDynamicBatching config, List<ModelInstance> instances,
      int defaultCapacity, Set<String> raggedInputs) {
    this.modelName = modelName;
    this.maxBatchSize = maxBatchSize;
    this.preferred = config.getPreferredBatchSizeList().stream().mapToLong(Integer::longValue).sorted().toArray();
    this.maxDelayNanos = TimeUnit.MICROSECONDS.toNanos(config.getMaxQueueDelayMicroseconds());
    this.levels = Math.max(1, (int) config.getPriorityLevels());
    this.defaultLevel = config.getDefaultPriorityLevel() >= 1 && config.getDefaultPriorityLevel() <= levels
        ? (int) config.getDefaultPriorityLevel() : levels == 1 ? 1 : levels;
    this.policies = new ModelQueuePolicy[levels + 1];
    this.capacities = new int[levels + 1];
    this.queues = new ArrayDeque[levels + 1];
    Map<Long, ModelQueuePolicy> perLevel = config.getPriorityQueuePolicyMap();
    for (int level = 1; level <= levels; level++) {
      ModelQueuePolicy policy = perLevel.getOrDefault((long) level, config.getDefaultQueuePolicy());
      policies[level] = policy;
      capacities[level] = policy.getMaxQueueSize() > 0 ? (int) Math.min(policy.getMaxQueueSize(), Integer.MAX_VALUE)
          : defaultCapacity;
      queues[level] = new ArrayDeque<>();
    }
    this.raggedInputs = Set.copyOf(raggedInputs);
    this.order = config.getPreserveOrdering() ? new OrderedDelivery() : null;
    this.pool = new WorkerPool(instances, lock, changed, batch -> {}, () -> queuedCount > 0);
    this.batcher = Thread.ofPlatform().daemon().name("nereid-batcher-" + modelName).start(this::runBatcher);
  }

  @Override
  public void enqueue(PendingRequest request, boolean mayRunOnCaller) {
    int level = levelOf(request.request().priority());
    ModelQueuePolicy policy = policies[level];
    long timeoutMicros = policy.getAllowTimeoutOverride() && request.request().timeoutMicros() > 0
        ? request.request().timeoutMicros() : policy.getDefaultTimeoutMicroseconds();
    long deadline = timeoutMicros > 0 ? request.arrivalNanos() + TimeUnit.MICROSECONDS.toNanos(timeoutMicros) : 0;
    request.queuePolicy(level, deadline, policy.getTimeoutAction() == ModelQueuePolicy.TimeoutAction.DELAY);
    WorkerPool.Worker inline = null;
    lock.lock();
    try {
      if (stopped) {
        throw new NereidException.Unavailable("model '" + modelName + "' is unloading");
      }
      if (mayRunOnCaller && maxDelayNanos == 0 && queuedCount == 0 && pool.hasIdle()) {
        inline = pool.takeIdle();
        ticket(request);
      } else {
        if (queues[level].size() >= capacities[level]) {
          throw new NereidException.Unavailable("inference request for model '" + modelName
              + "' rejected: the queue is full (max_queue_size " + capacities[level] + " at priority level " + level + ")");
        }
        ticket(request);
        queues[level].add(request);
        queuedCount++;
        if (deadline != 0 && (earliestDeadline == Long.MAX_VALUE || deadline - earliestDeadline < 0)) {
          earliestDeadline = deadline;
        }
        changed.signal();
      }
    } finally {
      lock.unlock();
    }
    if (inline != null) {
      pool.runOnCaller(inline, List.of(request));
    }
  }

  private void ticket(PendingRequest request) {
    if (order != null) {
      request.deliverInOrder(order, order.ticket());
    }
  }

  private int levelOf(long priority) {
    return priority >= 1 && priority <= levels ? (int) priority : defaultLevel;
  }

  @Override
  public boolean remove(PendingRequest request) {
    lock.lock();
    try {
      for (int level = 1; level <= levels; level++) {
        if (queues[level].remove(request)) {
          queuedCount--;
          return true;
        }
      }
      if (delayed.remove(request)) {
        queuedCount--;
        return true;
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int queued() {
    lock.lock();
    try {
      return queuedCount;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<PendingRequest> drainQueued() {
    lock.lock();
    try {
      List<PendingRequest> all = new ArrayList<>();
      for (int level = 1; level <= levels; level++) {
        all.addAll(queues[level]);
        queues[level].clear();
      }
      all.addAll(delayed);
      delayed.clear();
      queuedCount = 0;
      return all;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<ModelInstance> stop(long deadlineNanos) {
    lock.lock();
    try {
      stopped = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    WorkerPool.join(batcher, deadlineNanos);
    return pool.stop(deadlineNanos);
  }

  // --- the batcher thread

  private void runBatcher() {
    List<PendingRequest> expired = new ArrayList<>();
    while (true) {
      List<PendingRequest> batch = null;
      WorkerPool.Worker worker = null;
      lock.lock();
      try {
        if (stopped) return;
        long now = System.nanoTime();
        expireTimedOut(now, expired);
        long waitUntil = Long.MAX_VALUE;
        if (queuedCount > 0 && pool.hasIdle()) {
          Decision d = decide(now);
          if (d.batch != null) {
            batch = d.batch;
            worker = pool.takeIdle();
          } else {
            waitUntil = d.retryAt;
          }
        }
        if (batch == null && expired.isEmpty()) {
          long wakeAt = Math.min(waitUntil, earliestDeadline);
          if (wakeAt == Long.MAX_VALUE) {
            changed.awaitUninterruptibly();
          } else {
            long nanos = wakeAt - System.nanoTime();
            if (nanos > 0) {
              try {
                changed.awaitNanos(nanos);
              } catch (InterruptedException e) {
                if (stopped) return;
              }
            }
          }
        }
      } finally {
        lock.unlock();
      }
      for (PendingRequest r : expired) {
        r.fail(new NereidException.Unavailable("Request timeout expired: request for model '" + modelName
            + "' waited in the queue longer than its timeout"), FinalOutcome.REJECTED);
      }
      expired.clear();
      if (batch != null) {
        pool.dispatch(worker, batch);
      }
    }
  }

  /** A batch to send now, or when to look again. */
  private record Decision(List<PendingRequest> batch, long retryAt) {}

  private Decision decide(long now) {
    List<PendingRequest> candidate = new ArrayList<>();
    long size = 0;
    long oldestArrival = Long.MAX_VALUE;
    boolean blocked = false;
    PendingRequest first = null;
    outer:
    for (int level = 1; level <= levels + 1; level++) {
      ArrayDeque<PendingRequest> queue = level <= levels ? queues[level] : delayed;
      for (PendingRequest r : queue) {
        long rows = ModelInstance.batchSize(r);
        if (first != null && (size + rows > maxBatchSize || !compatible(first, r))) {
          blocked = true;
          break outer;
        }
        if (first == null) first = r;
        candidate.add(r);
        size += rows;
        oldestArrival = Math.min(oldestArrival, r.arrivalNanos());
        if (size == maxBatchSize) break outer;
      }
    }
    if (candidate.isEmpty()) {
      return new Decision(null, Long.MAX_VALUE);
    }
    int take = -1;
    if (size >= maxBatchSize || blocked) {
      take = candidate.size();
    } else if (preferred.length > 0) {
      take = largestPreferredPrefix(candidate);
    }
    boolean delayOver = maxDelayNanos == 0 || now - oldestArrival >= maxDelayNanos;
    if (take < 0 && delayOver) {
      take = candidate.size();
    }
    if (take < 0) {
      return new Decision(null, oldestArrival + maxDelayNanos);
    }
    List<PendingRequest> batch = new ArrayList<>(candidate.subList(0, take));
    for (PendingRequest r : batch) {
      if (!queues[r.priorityLevel()].remove(r)) delayed.remove(r);
    }
    queuedCount -= batch.size();
    return new Decision(batch, 0);
  }

  private int largestPreferredPrefix(List<PendingRequest> candidate) {
    long cumulative = 0;
    int best = -1;
    for (int i = 0; i < candidate.size(); i++) {
      cumulative += ModelInstance.batchSize(candidate.get(i));
      for (long p : preferred) {
        if (p == cumulative) best = i + 1;
      }
    }
    return best;
  }

  private boolean compatible(PendingRequest a, PendingRequest b) {
    Map<String, Tensor> ai = a.inputs();
    Map<String, Tensor> bi = b.inputs();
    if (ai.size() != bi.size()) return false;
    for (Map.Entry<String, Tensor> e : ai.entrySet()) {
      Tensor x = e.getValue();
      Tensor y = bi.get(e.getKey());
      if (y == null || x.rank() != y.rank()) return false;
      if (raggedInputs.contains(e.getKey())) continue;
      for (int d = 1; d < x.rank(); d++) {
        if (x.dim(d) != y.dim(d)) return false;
      }
    }
    return true;
  }

  /** Moves or collects requests whose queue timeout passed; called under the lock. */
  private void expireTimedOut(long now, List<PendingRequest> expired) {
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
          if (r.delayOnTimeout()) {
            delayed.add(r);
          } else {
            queuedCount--;
            expired.add(r);
          }
        } else if (next == Long.MAX_VALUE || deadline - next < 0) {
          next = deadline;
        }
      }
    }
    earliestDeadline = next;
  }
}
