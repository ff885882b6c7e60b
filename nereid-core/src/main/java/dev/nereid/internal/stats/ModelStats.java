package dev.nereid.internal.stats;

import dev.nereid.ModelStatistics;
import dev.nereid.ModelStatistics.Duration;
import dev.nereid.internal.request.FinalOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cumulative counters of one model version, written on the request path without locks (LongAdder)
 * and read as a {@link ModelStatistics} snapshot or as metrics at scrape time.
 */
public final class ModelStats {
  private final Pair success = new Pair();
  private final Pair fail = new Pair();
  private final Pair queue = new Pair();
  private final Pair computeInput = new Pair();
  private final Pair computeInfer = new Pair();
  private final Pair computeOutput = new Pair();
  private final Pair cacheHit = new Pair();
  private final Pair cacheMiss = new Pair();
  private final LongAdder inferenceCount = new LongAdder();
  private final LongAdder executionCount = new LongAdder();
  private final AtomicLong lastInferenceMillis = new AtomicLong();
  private final LongAdder[] failuresByOutcome = new LongAdder[FinalOutcome.values().length];
  private final LongAdder pending = new LongAdder();
  private final Map<Long, BatchPairs> batches = new ConcurrentHashMap<>();

  public ModelStats() {
    for (int i = 0; i < failuresByOutcome.length; i++) failuresByOutcome[i] = new LongAdder();
  }

  private static final class Pair {
    final LongAdder count = new LongAdder();
    final LongAdder ns = new LongAdder();

    void add(long n, long nanos) {
      count.add(n);
      ns.add(nanos);
    }

    Duration snapshot() {
      return new Duration(count.sum(), ns.sum());
    }
  }

  private static final class BatchPairs {
    final Pair input = new Pair();
    final Pair infer = new Pair();
    final Pair output = new Pair();
  }

  /** A request was accepted and is pending. */
  public void requestAccepted() {
    pending.increment();
  }

  /** Requests left the queue for execution: no longer pending, in Triton's sense. */
  public void executionStarted(int requests) {
    pending.add(-requests);
  }

  /**
   * A request got its final response; {@code executed} says whether it ever left the queue (if not,
   * it is still counted as pending until now).
   */
  public void requestFinished(FinalOutcome outcome, long durationNanos, boolean executed) {
    if (!executed) {
      pending.decrement();
    }
    if (outcome == FinalOutcome.SUCCESS) {
      success.add(1, durationNanos);
      // Written only when the millisecond changed: one shared cache line, not a write per request.
      long now = System.currentTimeMillis();
      if (lastInferenceMillis.get() != now) lastInferenceMillis.set(now);
    } else {
      fail.add(1, durationNanos);
      failuresByOutcome[outcome.ordinal()].increment();
    }
  }

  /**
   * One execution of {@code batchSize} requests holding {@code inferences} batch elements, with its
   * queue time summed over the requests and its three compute phases.
   */
  public void executed(int batchSize, long inferences, long queueNanosTotal, long inputNanos, long inferNanos,
      long outputNanos) {
    executionCount.increment();
    inferenceCount.add(inferences);
    queue.add(batchSize, queueNanosTotal);
    computeInput.add(batchSize, inputNanos * batchSize);
    computeInfer.add(batchSize, inferNanos * batchSize);
    computeOutput.add(batchSize, outputNanos * batchSize);
    BatchPairs b = batches.computeIfAbsent(inferences, k -> new BatchPairs());
    b.input.add(1, inputNanos);
    b.infer.add(1, inferNanos);
    b.output.add(1, outputNanos);
  }

  /** A request answered from the response cache; the time is the lookup's. */
  public void cacheHit(long nanos) {
    cacheHit.add(1, nanos);
  }

  /** A request the response cache could not answer; the time is the lookup's and the insertion's. */
  public void cacheMiss(long nanos) {
    cacheMiss.add(1, nanos);
  }

  public long cacheHitCount() {
    return cacheHit.count.sum();
  }

  public long cacheMissCount() {
    return cacheMiss.count.sum();
  }

  public long cacheHitNanos() {
    return cacheHit.ns.sum();
  }

  public long cacheMissNanos() {
    return cacheMiss.ns.sum();
  }

  public long pendingCount() {
    return pending.sum();
  }

  public long successCount() {
    return success.count.sum();
  }

  public long failureCount(FinalOutcome outcome) {
    return failuresByOutcome[outcome.ordinal()].sum();
  }

  public long inferenceCount() {
    return inferenceCount.sum();
  }

  public long executionCount() {
    return executionCount.sum();
  }

  /** Total request time (success and failure) in nanoseconds. */
  public long requestNanos() {
    return success.ns.sum() + fail.ns.sum();
  }

  public long queueNanos() {
    return queue.ns.sum();
  }

  public long computeInputNanos() {
    return computeInput.ns.sum();
  }

  public long computeInferNanos() {
    return computeInfer.ns.sum();
  }

  public long computeOutputNanos() {
    return computeOutput.ns.sum();
  }

  /** A snapshot in Triton's statistics shape. */
  public ModelStatistics snapshot(String name, long version) {
    List<ModelStatistics.BatchStats> batchStats = new ArrayList<>();
    batches.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> batchStats.add(
        new ModelStatistics.BatchStats(e.getKey(), e.getValue().input.snapshot(), e.getValue().infer.snapshot(),
            e.getValue().output.snapshot())));
    return new ModelStatistics(name, Long.toString(version), lastInferenceMillis.get(), inferenceCount.sum(),
        executionCount.sum(),
        new ModelStatistics.InferenceStats(success.snapshot(), fail.snapshot(), queue.snapshot(),
            computeInput.snapshot(), computeInfer.snapshot(), computeOutput.snapshot(), cacheHit.snapshot(),
            cacheMiss.snapshot()),
        batchStats);
  }
}
