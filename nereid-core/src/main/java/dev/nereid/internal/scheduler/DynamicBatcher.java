package dev.nereid.internal.scheduler;

import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.internal.request.FinalOutcome;
import dev.nereid.internal.request.OrderedDelivery;
import dev.nereid.internal.request.PendingRequest;
import dev.nereid.proto.ModelDynamicBatching;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The dynamic batcher: requests wait in a {@link PolicyQueue} (priority levels, bounds, timeouts); idle
 * instances join compatible requests (same non-batch dimensions, unless an input allows ragged
 * batches) into batches of up to {@code max_batch_size}. How large a batch is and when it leaves is
 * the {@link BatchPolicy}: {@code ADAPTIVE} by default, Triton's exact rules on request. The adaptive
 * policy learns from two measurements: a {@link CostCurve} per instance kind (whether waiting to fill a
 * batch pays, and how to split the queue) and a {@link BatchCeiling} (the largest batch worth forming
 * under the current load, found by trial).
 *
 * <p>Threads: there is no batcher thread. Each instance has its own thread, and an idle one is either
 * the <em>leader</em>, which forms the next batch and waits (without holding any lock) for arrivals or
 * for the queue delay, or a follower waiting to lead. The leader takes its batch, hands leadership to a
 * follower and runs the batch itself, so a request goes from the caller to the thread that runs it in
 * one hand-off. Callers take no lock: they are counted and put in a lock-free inbox, and wake the
 * leader. The formation lock is taken once per batch by instance threads only, and never held while a
 * model runs.
 *
 * <p>A caller that blocks for its answer anyway, when nothing is queued, an instance is idle and the
 * policy would send a lone request at once (no queue delay, or a measured cost curve that says larger
 * batches do not pay), runs its request itself, so batching costs nothing at low load.
 */
public final class DynamicBatcher implements Scheduler {
  private final String modelName;
  private final int maxBatchSize;
  private final long[] preferred;
  private final long maxDelayNanos;
  private final BatchPolicy policy;
  private final Set<String> raggedInputs;
  private final PolicyQueue queue;
  private final OrderedDelivery order;
  private final List<Worker> workers = new ArrayList<>();
  /** The adaptive policy's batch ceiling; guarded by the lock. */
  private final BatchCeiling ceiling;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition followers = lock.newCondition();
  /** The idle instance forming the next batch; guarded by the lock. */
  private Worker leader;
  /** The leader while it waits without the lock, for callers to wake. */
  private volatile Thread parkedLeader;
  /** Whether the policy sends a lone request at once, so a caller may run it itself. */
  private volatile boolean immediate;
  private volatile boolean stopped;

  /** One instance, its thread, and the cost curve of its kind. */
  private final class Worker {
    final ModelInstance instance;
    final CostCurve curve;
    final Thread thread;
    /** The last batch this thread ran, for the ceiling's trials: its ceiling window, rows and time. */
    long formedIn;
    long ranRows;
    long ranNanos;

    Worker(ModelInstance instance, CostCurve curve) {
      this.instance = instance;
      this.curve = curve;
      this.thread = Thread.ofPlatform().daemon().name("nereid-" + instance.name()).unstarted(this::work);
    }

    private void work() {
      Continuations.instanceThread();
      while (true) {
        List<PendingRequest> batch = nextBatch(this);
        if (batch == null) return;
        try {
          ranRows = rowsOf(batch);
          ranNanos = run(this, batch);
        } finally {
          instance.release();
        }
      }
    }
  }

  public DynamicBatcher(String modelName, int maxBatchSize, ModelDynamicBatching config, BatchPolicy policy,
      List<ModelInstance> instances, int defaultCapacity, Set<String> raggedInputs) {
    this.modelName = modelName;
    this.maxBatchSize = maxBatchSize;
    this.preferred = config.getPreferredBatchSizeList().stream().mapToLong(Integer::longValue).sorted().toArray();
    this.maxDelayNanos = TimeUnit.MICROSECONDS.toNanos(config.getMaxQueueDelayMicroseconds());
    this.policy = policy;
    this.raggedInputs = Set.copyOf(raggedInputs);
    this.queue = PolicyQueue.of(modelName, config, defaultCapacity);
    this.order = config.getPreserveOrdering() ? new OrderedDelivery() : null;
    this.immediate = maxDelayNanos == 0;
    this.ceiling = new BatchCeiling(modelName, maxBatchSize, System.nanoTime());
    Map<String, CostCurve> curves = new HashMap<>();
    for (ModelInstance instance : instances) {
      workers.add(new Worker(instance, curves.computeIfAbsent(instance.kind(), k -> new CostCurve(maxBatchSize))));
    }
    workers.forEach(w -> w.thread.start());
  }

  @Override
  public void enqueue(PendingRequest request, boolean mayRunOnCaller) {
    if (stopped) {
      throw new NereidException.Unavailable("model '" + modelName + "' is unloading");
    }
    if (mayRunOnCaller && immediate && queue.count() == 0) {
      Worker idle = claimIdle();
      if (idle != null) {
        ticket(request);
        try {
          run(idle, List.of(request));
        } finally {
          idle.instance.release();
        }
        return;
      }
    }
    queue.admit(request);
    ticket(request);
    request.queued();
    queue.offer(request);
    Thread waiting = parkedLeader;
    if (waiting != null) LockSupport.unpark(waiting);
    long deadline = request.queueDeadlineNanos();
    if (deadline != 0) {
      // Every instance may be busy, with no leader to see the timeout pass.
      QueueTimer.at(deadline, this::expireNow);
    }
  }

  /** Applies queue timeouts now, whatever the instances are doing. */
  private void expireNow() {
    List<PendingRequest> rejected = new ArrayList<>(0);
    lock.lock();
    try {
      if (stopped) return;
      queue.absorb();
      queue.expire(System.nanoTime(), rejected);
    } finally {
      lock.unlock();
    }
    reject(rejected);
  }

  private void reject(List<PendingRequest> rejected) {
    for (PendingRequest r : rejected) {
      r.fail(new NereidException.Unavailable("Request timeout expired: request for model '" + modelName
          + "' waited in the queue longer than its timeout"), FinalOutcome.REJECTED);
    }
    rejected.clear();
  }

  /** Claims an idle instance for the calling thread, starting from one chosen by the thread, or null. */
  private Worker claimIdle() {
    int n = workers.size();
    int start = (int) Math.floorMod(Thread.currentThread().threadId(), (long) n);
    for (int i = 0; i < n; i++) {
      Worker w = workers.get((start + i) % n);
      if (w.instance.tryClaim()) return w;
    }
    return null;
  }

  private void ticket(PendingRequest request) {
    if (order != null) {
      request.deliverInOrder(order, order.ticket());
    }
  }

  /** Runs a batch on a claimed instance, learns from its execution time and returns it. */
  private long run(Worker w, List<PendingRequest> batch) {
    long start = System.nanoTime();
    w.instance.execute(batch);
    long elapsed = System.nanoTime() - start;
    w.curve.record(rowsOf(batch), elapsed);
    if (policy == BatchPolicy.ADAPTIVE && maxDelayNanos > 0 && ThreadLocalRandom.current().nextInt(16) == 0) {
      immediate = w.curve.hasEvidence() && !w.curve.largerBatchPays(1, maxBatchSize);
    }
    return elapsed;
  }

  private static long rowsOf(List<PendingRequest> batch) {
    long rows = 0;
    for (PendingRequest r : batch) rows += ModelInstance.batchSize(r);
    return rows;
  }

  @Override
  public boolean remove(PendingRequest request) {
    lock.lock();
    try {
      return queue.remove(request);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int queued() {
    return queue.count();
  }

  @Override
  public List<PendingRequest> drainQueued() {
    lock.lock();
    try {
      return queue.drain();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<ModelInstance> stop(long deadlineNanos) {
    lock.lock();
    try {
      stopped = true;
      followers.signalAll();
    } finally {
      lock.unlock();
    }
    Thread waiting = parkedLeader;
    if (waiting != null) LockSupport.unpark(waiting);
    List<ModelInstance> exited = new ArrayList<>();
    for (Worker w : workers) {
      WorkerPool.join(w.thread, deadlineNanos);
      if (!w.thread.isAlive()) exited.add(w.instance);
    }
    return exited;
  }

  // --- instance threads

  /** Waits until this worker gets a batch, its instance claimed; null once the batcher stopped. */
  private List<PendingRequest> nextBatch(Worker w) {
    List<PendingRequest> rejected = new ArrayList<>(0);
    while (true) {
      List<PendingRequest> batch = null;
      boolean instanceInUse = false;
      long wakeAt = Long.MAX_VALUE;
      lock.lock();
      try {
        while (!stopped && leader != null && leader != w) {
          followers.awaitUninterruptibly();
        }
        if (stopped) {
          if (leader == w) leader = null;
          followers.signalAll();
          return null;
        }
        leader = w;
        long now = System.nanoTime();
        if (w.ranRows > 0) {
          ceiling.record(w.formedIn, w.ranRows, w.ranNanos, now);
          w.ranRows = 0;
        }
        queue.absorb();
        queue.expire(now, rejected);
        if (queue.count() > 0) {
          Decision d = decide(w, now);
          if (d.batch() == null) {
            wakeAt = d.retryAt();
          } else if (w.instance.tryClaim()) {
            queue.take(d.batch());
            batch = d.batch();
            w.formedIn = ceiling.window();
          } else {
            instanceInUse = true; // a caller runs a request on this instance itself
          }
        }
        wakeAt = Math.min(wakeAt, queue.earliestDeadline());
        if (batch != null || instanceInUse) {
          leader = null;
          followers.signal();
        }
      } finally {
        lock.unlock();
      }
      reject(rejected);
      if (batch != null) {
        return batch;
      }
      if (instanceInUse) {
        w.instance.claim();
        w.instance.release();
        continue;
      }
      parkedLeader = Thread.currentThread();
      if (!queue.hasNew() && !stopped) {
        if (wakeAt == Long.MAX_VALUE) {
          LockSupport.park(this);
        } else {
          long nanos = wakeAt - System.nanoTime();
          if (nanos > 0) LockSupport.parkNanos(this, nanos);
        }
      }
      parkedLeader = null;
    }
  }

  /** A batch to send now, or when to look again. */
  private record Decision(List<PendingRequest> batch, long retryAt) {
    static Decision retry(long at) {
      return new Decision(null, at);
    }
  }

  /** Chooses the next batch from the queue, without taking it; under the lock. */
  private Decision decide(Worker w, long now) {
    long limit = policy == BatchPolicy.ADAPTIVE ? ceiling.limit() : maxBatchSize;
    List<PendingRequest> candidate = new ArrayList<>();
    long size = 0;
    long oldestArrival = Long.MAX_VALUE;
    boolean blocked = false;
    PendingRequest first = null;
    for (PendingRequest r : queue.inOrder()) {
      long rows = ModelInstance.batchSize(r);
      if (first != null && (size + rows > limit || !compatible(first, r))) {
        blocked = true;
        break;
      }
      if (first == null) first = r;
      candidate.add(r);
      size += rows;
      oldestArrival = Math.min(oldestArrival, r.arrivalNanos());
      if (size >= limit) break;
    }
    if (candidate.isEmpty()) {
      return Decision.retry(Long.MAX_VALUE);
    }
    boolean delayOver = maxDelayNanos == 0 || now - oldestArrival >= maxDelayNanos;
    if (policy == BatchPolicy.TRITON) {
      if (size >= maxBatchSize || blocked || delayOver) return new Decision(candidate, 0);
      int take = largestPreferredPrefix(candidate);
      return take > 0 ? new Decision(candidate.subList(0, take), 0) : Decision.retry(oldestArrival + maxDelayNanos);
    }
    long share = Math.min(limit, w.curve.shareOf(queue.rows(), workers.size()));
    boolean wait = !delayOver && (!w.curve.hasEvidence() || w.curve.largerBatchPays(share, limit));
    if (wait) {
      // Filling a batch pays (or nothing is known yet): Triton's rules, within the queue delay.
      if (size >= limit || blocked) return new Decision(candidate, 0);
      int take = largestPreferredPrefix(candidate);
      return take > 0 ? new Decision(candidate.subList(0, take), 0) : Decision.retry(oldestArrival + maxDelayNanos);
    }
    // Send now, this instance's share of the queued work; the other instances take theirs.
    int take = 1;
    long rows = ModelInstance.batchSize(candidate.get(0));
    while (take < candidate.size()) {
      long next = ModelInstance.batchSize(candidate.get(take));
      if (rows + next > share) break;
      rows += next;
      take++;
    }
    return new Decision(candidate.subList(0, take), 0);
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
}
