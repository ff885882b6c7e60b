package dev.nereid.status;

import dev.nereid.Server;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Request latency per model, as the front ends see it (request read to response written), in
 * log-scaled buckets: four per power of two from 1 µs, so a percentile read from them is within 19 %.
 * Counts only grow; a reader takes two snapshots and compares them to get a window's distribution.
 * Recording is one bucket increment: no lock, no allocation once a model has its histogram.
 */
public final class LatencyHistograms {
  /** Buckets: [0] below 1 µs; bucket i (i >= 1) up to {@link #upperBoundNanos(int)}; the last is open. */
  public static final int BUCKETS = 4 * 27 + 2;
  private static final Map<Server, LatencyHistograms> BY_SERVER = new WeakHashMap<>();

  private final ConcurrentHashMap<String, AtomicLongArray> models = new ConcurrentHashMap<>();

  /** The histograms of a server, which its front ends fill. */
  public static LatencyHistograms of(Server server) {
    Objects.requireNonNull(server, "server");
    synchronized (BY_SERVER) {
      return BY_SERVER.computeIfAbsent(server, s -> new LatencyHistograms());
    }
  }

  /** Records one request of {@code model} that took {@code nanos}. */
  public void record(String model, long nanos) {
    AtomicLongArray h = models.get(model);
    if (h == null) h = models.computeIfAbsent(model, m -> new AtomicLongArray(BUCKETS));
    h.incrementAndGet(bucket(nanos));
  }

  static int bucket(long nanos) {
    if (nanos < 1000) return 0;
    double quarterOctaves = Math.log((double) nanos / 1000) / Math.log(2) * 4;
    return (int) Math.min(BUCKETS - 1, 1 + (long) quarterOctaves);
  }

  /** The upper bound of bucket {@code i}, in nanoseconds; the last bucket's is infinite. */
  public static double upperBoundNanos(int i) {
    if (i == 0) return 1000;
    if (i == BUCKETS - 1) return Double.POSITIVE_INFINITY;
    return 1000 * Math.pow(2, i / 4.0);
  }

  /** The counts per bucket so far, per model, sorted by model. */
  public Map<String, long[]> snapshot() {
    Map<String, long[]> all = new TreeMap<>();
    models.forEach((model, h) -> {
      long[] counts = new long[BUCKETS];
      for (int i = 0; i < BUCKETS; i++) counts[i] = h.get(i);
      all.put(model, counts);
    });
    return all;
  }
}
