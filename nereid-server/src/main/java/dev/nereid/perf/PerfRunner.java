package dev.nereid.perf;

import dev.nereid.ModelStatistics;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Measures a target the way Triton's perf_analyzer does: at each load level (a number of requests
 * kept in flight, or a fixed request rate) it warms up, then measures one window: throughput,
 * latency percentiles, and the server-side split of each request's time from the statistics.
 */
public final class PerfRunner {
  /** What the runner reports while it measures, for a progress line. */
  public record Progress(String level, long elapsedMillis, long windowMillis, long requests) {}

  private final PerfTarget target;
  private final long windowMillis;
  private final long warmupMillis;
  private final double percentile;
  private final Consumer<Progress> progress;

  public PerfRunner(PerfTarget target, long windowMillis, double percentile, Consumer<Progress> progress) {
    this.target = target;
    this.windowMillis = windowMillis;
    this.warmupMillis = Math.max(100, windowMillis / 5);
    this.percentile = percentile;
    this.progress = progress;
  }

  /**
   * Sends requests with {@code concurrency} in flight for {@code millis}, measuring nothing, so the
   * levels after it measure a warm server and client (compiled code, filled pools, open connections):
   * each level's own warm-up (a fifth of its window) is too short for that when windows are short.
   *
   * @return the requests answered meanwhile
   */
  public long warmUp(int concurrency, long millis) throws InterruptedException {
    AtomicLong answered = new AtomicLong();
    AtomicLong stop = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      threads.add(Thread.ofPlatform().daemon().name("nereid-perf-warmup-" + i).start(() -> {
        while (stop.get() == 0) {
          try {
            target.infer();
            answered.incrementAndGet();
          } catch (Exception e) {
            // Errors count in the measured windows, not here.
          }
        }
      }));
    }
    Thread.sleep(millis);
    stop.set(1);
    for (Thread t : threads) t.join(TimeUnit.SECONDS.toMillis(30));
    return answered.get();
  }

  /** Keeps {@code concurrency} requests in flight, each thread sending its next as its last returns. */
  public PerfResult atConcurrency(int concurrency) throws InterruptedException {
    List<LatencyRecorder> recorders = new ArrayList<>();
    AtomicLong phase = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      LatencyRecorder recorder = new LatencyRecorder();
      recorders.add(recorder);
      threads.add(Thread.ofPlatform().daemon().name("nereid-perf-" + i).start(() -> {
        while (phase.get() < 2) {
          long start = System.nanoTime();
          try {
            target.infer();
            if (phase.get() == 1) recorder.record(System.nanoTime() - start);
          } catch (Exception e) {
            if (phase.get() == 1) recorder.error();
          }
        }
      }));
    }
    String level = "concurrency " + concurrency;
    sleepWithProgress(level, warmupMillis, recorders, false);
    ModelStatistics.InferenceStats before = statistics();
    phase.set(1);
    long start = System.nanoTime();
    sleepWithProgress(level, windowMillis, recorders, true);
    phase.set(2);
    long elapsed = System.nanoTime() - start;
    ModelStatistics.InferenceStats after = statistics();
    for (Thread t : threads) t.join(TimeUnit.SECONDS.toMillis(30));
    return result(concurrency, 0, recorders, elapsed, before, after);
  }

  /** Starts requests at a fixed rate, whatever the responses do (an open loop). */
  public PerfResult atRate(double requestsPerSecond) throws InterruptedException {
    LatencyRecorder recorder = new LatencyRecorder();
    ConcurrentLinkedQueue<Long> done = new ConcurrentLinkedQueue<>();
    AtomicLong errors = new AtomicLong();
    long intervalNanos = (long) (1e9 / requestsPerSecond);
    long warmupEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmupMillis);
    ModelStatistics.InferenceStats before = null;
    long windowStart = 0;
    long windowEnd = Long.MAX_VALUE;
    long next = System.nanoTime();
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    while (true) {
      long now = System.nanoTime();
      if (before == null && now >= warmupEnd) {
        before = statistics();
        windowStart = now;
        windowEnd = now + TimeUnit.MILLISECONDS.toNanos(windowMillis);
      }
      if (now >= windowEnd) break;
      if (now < next) {
        java.util.concurrent.locks.LockSupport.parkNanos(Math.min(next - now, 1_000_000));
        continue;
      }
      next += intervalNanos;
      long sent = now;
      boolean measured = before != null;
      inFlight.removeIf(CompletableFuture::isDone);
      inFlight.add(target.inferAsync().whenComplete((r, e) -> {
        if (!measured) return;
        if (e != null) errors.incrementAndGet();
        else done.add(System.nanoTime() - sent);
      }));
      if (measured && (done.size() & 1023) == 0) {
        progress.accept(new Progress("rate " + requestsPerSecond + "/s",
            TimeUnit.NANOSECONDS.toMillis(now - windowStart), windowMillis, done.size()));
      }
    }
    long elapsed = System.nanoTime() - windowStart;
    ModelStatistics.InferenceStats after = statistics();
    for (CompletableFuture<?> f : inFlight) {
      try {
        f.get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Counted by its own callback.
      }
    }
    done.forEach(recorder::record);
    for (long i = 0; i < errors.get(); i++) recorder.error();
    return result(0, requestsPerSecond, List.of(recorder), elapsed, before, after);
  }

  private void sleepWithProgress(String level, long millis, List<LatencyRecorder> recorders, boolean measuring)
      throws InterruptedException {
    long end = System.currentTimeMillis() + millis;
    long start = System.currentTimeMillis();
    while (true) {
      long left = end - System.currentTimeMillis();
      if (left <= 0) break;
      Thread.sleep(Math.min(left, 250));
      if (measuring) {
        long count = 0;
        for (LatencyRecorder r : recorders) count += r.count();
        progress.accept(new Progress(level, System.currentTimeMillis() - start, millis, count));
      }
    }
  }

  private ModelStatistics.InferenceStats statistics() {
    Optional<ModelStatistics.InferenceStats> s = target.statistics();
    return s.orElse(null);
  }

  private PerfResult result(int concurrency, double rate, List<LatencyRecorder> recorders, long elapsedNanos,
      ModelStatistics.InferenceStats before, ModelStatistics.InferenceStats after) {
    long[] sorted = LatencyRecorder.merged(recorders);
    long errors = 0;
    for (LatencyRecorder r : recorders) errors += r.errors();
    double seconds = elapsedNanos / 1e9;
    double inferencesPerSecond = sorted.length * (double) target.batchSize() / seconds;
    PerfResult.ServerBreakdown server = null;
    if (before != null && after != null) {
      long n = after.success().count() - before.success().count();
      if (n > 0) {
        server = new PerfResult.ServerBreakdown(
            micros(after.queue().ns() - before.queue().ns(), n),
            micros(after.computeInput().ns() - before.computeInput().ns(), n),
            micros(after.computeInfer().ns() - before.computeInfer().ns(), n),
            micros(after.computeOutput().ns() - before.computeOutput().ns(), n));
      }
    }
    return new PerfResult(concurrency, rate, sorted.length, errors, inferencesPerSecond,
        LatencyRecorder.percentileMicros(sorted, 50), LatencyRecorder.percentileMicros(sorted, 90),
        LatencyRecorder.percentileMicros(sorted, 95), LatencyRecorder.percentileMicros(sorted, 99),
        LatencyRecorder.percentileMicros(sorted, percentile), server);
  }

  private static double micros(long nanos, long count) {
    return nanos / 1000.0 / count;
  }
}
