package dev.nereid.internal.scheduler;

import dev.nereid.internal.request.PendingRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The instances of a batching scheduler, each with its own platform thread and a one-batch mailbox,
 * and the list of idle ones. The idle list is guarded by the scheduler's lock, which is signalled
 * whenever an instance becomes idle; batches are handed over outside the lock.
 */
final class WorkerPool {
  /** One instance and its thread. */
  final class Worker {
    final ModelInstance instance;
    final int index;
    private final BlockingQueue<List<PendingRequest>> mailbox = new ArrayBlockingQueue<>(1);
    private final Thread thread;

    Worker(ModelInstance instance, int index) {
      this.instance = instance;
      this.index = index;
      this.thread = Thread.ofPlatform().daemon().name("nereid-" + instance.name()).unstarted(this::run);
    }

    private void run() {
      Continuations.instanceThread();
      while (true) {
        List<PendingRequest> batch;
        try {
          batch = mailbox.take();
        } catch (InterruptedException e) {
          if (stopped) return;
          continue;
        }
        if (batch.isEmpty()) {
          return;
        }
        instance.claim();
        try {
          instance.execute(batch);
        } finally {
          instance.release();
        }
        afterBatch.accept(batch);
        becomeIdle(this);
      }
    }
  }

  private final ReentrantLock lock;
  private final Condition changed;
  private final Consumer<List<PendingRequest>> afterBatch;
  private final java.util.function.BooleanSupplier workWaiting;
  private final List<Worker> workers = new ArrayList<>();
  private final ArrayDeque<Worker> idle = new ArrayDeque<>();
  private volatile boolean stopped;

  /**
   * @param afterBatch runs on the instance thread after each batch, before the instance is idle again
   * @param workWaiting whether the scheduler has queued work (asked under the lock): only then is its
   *     thread woken when an instance becomes idle, so a caller running requests itself at low load
   *     does not wake it for nothing on every request
   */
  WorkerPool(List<ModelInstance> instances, ReentrantLock lock, Condition changed,
      Consumer<List<PendingRequest>> afterBatch, java.util.function.BooleanSupplier workWaiting) {
    this.lock = lock;
    this.changed = changed;
    this.afterBatch = afterBatch;
    this.workWaiting = workWaiting;
    for (ModelInstance instance : instances) {
      Worker w = new Worker(instance, workers.size());
      workers.add(w);
      idle.add(w);
    }
    workers.forEach(w -> w.thread.start());
  }

  List<Worker> workers() {
    return workers;
  }

  /** Whether an instance is idle; call under the lock. */
  boolean hasIdle() {
    return !idle.isEmpty();
  }

  /** Takes an idle instance, or null; call under the lock. */
  Worker takeIdle() {
    return idle.poll();
  }

  /** Takes this instance if it is idle; call under the lock. */
  boolean takeIdle(Worker worker) {
    return idle.remove(worker);
  }

  /** Puts back a worker taken from the idle list that got no batch; call under the lock. */
  void dispatchLater(Worker worker) {
    idle.addFirst(worker);
  }

  /** Hands a batch to a worker taken from the idle list; call outside the lock. */
  void dispatch(Worker worker, List<PendingRequest> batch) {
    worker.mailbox.add(batch);
  }

  /** Runs a request on the calling thread with a worker taken from the idle list, then returns it. */
  void runOnCaller(Worker worker, List<PendingRequest> batch) {
    try {
      worker.instance.claim();
      try {
        worker.instance.execute(batch);
      } finally {
        worker.instance.release();
      }
      afterBatch.accept(batch);
    } finally {
      becomeIdle(worker);
    }
  }

  private void becomeIdle(Worker worker) {
    lock.lock();
    try {
      idle.add(worker);
      if (workWaiting.getAsBoolean()) changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Stops every worker after its current batch; returns the instances whose threads exited. */
  List<ModelInstance> stop(long deadlineNanos) {
    stopped = true;
    List<ModelInstance> exited = new ArrayList<>();
    for (Worker w : workers) {
      w.mailbox.offer(List.of());
      join(w.thread, deadlineNanos);
      if (!w.thread.isAlive()) exited.add(w.instance);
    }
    return exited;
  }

  static void join(Thread t, long deadlineNanos) {
    try {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
