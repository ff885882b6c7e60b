package dev.nereid.internal.scheduler;

import dev.nereid.NereidException;
import dev.nereid.internal.request.PendingRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Triton's default scheduler: one bounded queue feeding every instance of a model, one request per
 * execution. Each instance has a platform thread taking from the queue.
 *
 * <p>When a caller is going to block for the answer anyway, nothing is queued and an instance is idle,
 * the caller runs the request itself. A thread hand-off costs tens of microseconds; this path costs
 * none, and the instance is still used by one batch at a time.
 */
public final class DefaultScheduler implements Scheduler {
  private final String modelName;
  private final List<ModelInstance> instances;
  private final int capacity;
  // Unbounded as a structure so stop markers always fit; the bound is enforced by `size` on entry.
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  private final Object stopMarker = new Object();
  /**
   * Per instance thread (16 slots apart, a cache line each), the request it took from the queue while
   * it waits for its instance, which a caller may be using: still queued as far as a stop is concerned.
   */
  private final AtomicReferenceArray<PendingRequest> taken;
  private static final int SLOT = 16;
  private volatile boolean stopped;

  public DefaultScheduler(String modelName, List<ModelInstance> instances, int capacity) {
    this.modelName = modelName;
    this.instances = List.copyOf(instances);
    this.capacity = capacity;
    this.taken = new AtomicReferenceArray<>(this.instances.size() * SLOT);
    for (int i = 0; i < this.instances.size(); i++) {
      ModelInstance instance = this.instances.get(i);
      int slot = i * SLOT;
      Thread t = Thread.ofPlatform().daemon().name("nereid-" + instance.name()).unstarted(() -> runInstance(instance, slot));
      threads.add(t);
      t.start();
    }
  }

  @Override
  public void enqueue(PendingRequest request, boolean mayRunOnCaller) {
    if (stopped) {
      throw new NereidException.Unavailable("model '" + modelName + "' is unloading");
    }
    if (mayRunOnCaller && size.get() == 0) {
      // Start from an instance chosen by the thread, not from the first: callers spread over the
      // instances instead of all contending for the first ones, and a thread tends to find its own.
      int n = instances.size();
      int start = (int) Math.floorMod(Thread.currentThread().threadId(), (long) n);
      for (int i = 0; i < n; i++) {
        ModelInstance instance = instances.get(start + i < n ? start + i : start + i - n);
        if (instance.tryClaim()) {
          try {
            instance.execute(List.of(request));
          } finally {
            instance.release();
          }
          return;
        }
      }
    }
    if (size.incrementAndGet() > capacity) {
      size.decrementAndGet();
      // Triton's words first: its clients and QA tests match on them.
      throw new NereidException.Unavailable("Exceeds maximum queue size: inference request for model '" + modelName
          + "' rejected: the queue is full (max_queue_size " + capacity + ")");
    }
    request.queued();
    queue.add(request);
  }

  @Override
  public boolean remove(PendingRequest request) {
    if (queue.remove(request)) {
      size.decrementAndGet();
      return true;
    }
    return false;
  }

  @Override
  public int queued() {
    return size.get();
  }

  @Override
  public List<PendingRequest> drainQueued() {
    List<PendingRequest> drained = new ArrayList<>();
    Object item;
    List<Object> markers = new ArrayList<>();
    while ((item = queue.poll()) != null) {
      if (item instanceof PendingRequest r) {
        size.decrementAndGet();
        drained.add(r);
      } else {
        markers.add(item);
      }
    }
    queue.addAll(markers);
    for (int i = 0; i < taken.length(); i += SLOT) {
      PendingRequest r = taken.getAndSet(i, null);
      if (r != null) drained.add(r);
    }
    return drained;
  }

  @Override
  public List<ModelInstance> stop(long deadlineNanos) {
    stopped = true;
    for (int i = 0; i < threads.size(); i++) queue.add(stopMarker);
    List<ModelInstance> exited = new ArrayList<>();
    for (int i = 0; i < threads.size(); i++) {
      Thread t = threads.get(i);
      long wait = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
      try {
        t.join(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (!t.isAlive()) exited.add(instances.get(i));
    }
    return exited;
  }

  private void runInstance(ModelInstance instance, int slot) {
    Continuations.instanceThread();
    while (true) {
      Object item;
      try {
        item = queue.take();
      } catch (InterruptedException e) {
        if (stopped) return;
        continue;
      }
      if (item == stopMarker) {
        return;
      }
      PendingRequest request = (PendingRequest) item;
      taken.set(slot, request);
      size.decrementAndGet();
      instance.claim();
      try {
        // Gone when a stop drained it meanwhile, and answered it.
        if (taken.getAndSet(slot, null) != null) instance.execute(List.of(request));
      } finally {
        instance.release();
      }
    }
  }
}
