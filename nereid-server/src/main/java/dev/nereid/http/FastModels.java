package dev.nereid.http;

import dev.nereid.Model;
import dev.nereid.ModelStatistics;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Which models are cheap enough to run on a connection's event loop, which saves two thread hand-offs
 * per request (on a busy machine, a third of a small request's cost), judged by the compute time the
 * server itself measured for them: a model averaging under {@link #FAST_NANOS} per execution may hold
 * an event loop that long; a slower one always runs on its instance threads, so a connection never
 * waits behind another's long inference. A model starts slow until it has statistics, and each
 * verdict is renewed at most every {@link #RECHECK_NANOS}. Shared by a front end's connections.
 */
final class FastModels {
  static final long FAST_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
  static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private record Verdict(boolean fast, long checkedAt) {}

  private final ConcurrentHashMap<String, Verdict> verdicts = new ConcurrentHashMap<>();

  /** Whether {@code model} (named as the request's route names it) may run on the calling event loop. */
  boolean fast(Model model, Route route) {
    // By the parsed version: "1" and "01" are one model, and clients can't grow the map with spellings.
    String key = route.model() + '/' + route.modelVersion();
    long now = System.nanoTime();
    Verdict v = verdicts.get(key);
    if (v == null || now - v.checkedAt() > RECHECK_NANOS) {
      v = new Verdict(averageComputeNanos(model) < FAST_NANOS, now);
      verdicts.put(key, v);
    }
    return v.fast();
  }

  /** Mean time per execution (inputs, compute, outputs), over the versions the handle covers; max when unknown. */
  private static long averageComputeNanos(Model model) {
    long ns = 0;
    long count = 0;
    for (ModelStatistics s : model.statistics()) {
      ModelStatistics.InferenceStats i = s.inferenceStats();
      ns += i.computeInput().ns() + i.computeInfer().ns() + i.computeOutput().ns();
      count += s.executionCount();
    }
    return count == 0 ? Long.MAX_VALUE : ns / count;
  }
}
