package dev.nereid.perf;

import java.util.Arrays;

/** Latencies of one thread's requests in a window, in nanoseconds; percentiles by sorting at the end. */
final class LatencyRecorder {
  private long[] samples = new long[1 << 14];
  private int size;
  private long errors;

  void record(long nanos) {
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, size * 2);
    }
    samples[size++] = nanos;
  }

  void error() {
    errors++;
  }

  long count() {
    return size;
  }

  long errors() {
    return errors;
  }

  /** All samples of several recorders, sorted. */
  static long[] merged(Iterable<LatencyRecorder> recorders) {
    int total = 0;
    for (LatencyRecorder r : recorders) total += r.size;
    long[] all = new long[total];
    int at = 0;
    for (LatencyRecorder r : recorders) {
      System.arraycopy(r.samples, 0, all, at, r.size);
      at += r.size;
    }
    Arrays.sort(all);
    return all;
  }

  /** The value at percentile p (0-100) of sorted samples, in microseconds; 0 when there are none. */
  static double percentileMicros(long[] sorted, double p) {
    if (sorted.length == 0) return 0;
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1000.0;
  }
}
