package dev.nereid.internal.scheduler;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What one kind of instance of one model takes to execute a batch, by batch size, learned online from
 * the executions themselves. Sizes share buckets (every size up to 16, then steps of about 25 %); each
 * bucket keeps a moving average of the time and of the rows it saw. Between observed buckets the
 * time is interpolated; outside them it is extrapolated at the nearest bucket's cost per row, which
 * says "batching gains nothing beyond what was seen", so the batcher splits work across idle
 * instances rather than wait for a batch it has no evidence for.
 *
 * <p>Recording takes no lock: instance threads write a bucket's averages with plain atomic reads and
 * writes, and a lost update under a race only slows learning. The curve is advice, never correctness.
 */
final class CostCurve {
  /** Executions of a single size after which that size alone is trusted (see {@link #hasEvidence}). */
  static final int SINGLE_SIZE_EVIDENCE = 32;
  /** A larger batch must cost at most this share of the per-row time to be worth waiting for. */
  static final double WAIT_GAIN = 0.8;
  private static final int SHIFT = 3; // moving averages weigh a new sample 1/8

  private final int maxBatch;
  private final int[] bucketOfSize;
  private final int buckets;
  /** Per bucket: mean time in nanos, mean rows times 256, samples (saturating); 0 time = never seen. */
  private final AtomicLongArray nanos;
  private final AtomicLongArray rowsX256;
  private final AtomicLongArray samples;

  CostCurve(int maxBatch) {
    this.maxBatch = Math.max(1, maxBatch);
    this.bucketOfSize = new int[this.maxBatch + 1];
    int bucket = -1;
    long bucketEnd = 0;
    for (int size = 1; size <= this.maxBatch; size++) {
      if (size > bucketEnd) {
        bucket++;
        bucketEnd = size < 16 ? size : (long) Math.floor(size * 1.25);
      }
      bucketOfSize[size] = bucket;
    }
    this.buckets = bucket + 1;
    this.nanos = new AtomicLongArray(buckets);
    this.rowsX256 = new AtomicLongArray(buckets);
    this.samples = new AtomicLongArray(buckets);
  }

  /** Records one execution of {@code rows} rows that took {@code elapsedNanos}. */
  void record(long rows, long elapsedNanos) {
    if (rows < 1 || elapsedNanos <= 0) return;
    int b = bucketOfSize[(int) Math.min(rows, maxBatch)];
    long n = samples.get(b);
    if (n == 0) {
      nanos.set(b, elapsedNanos);
      rowsX256.set(b, rows * 256);
    } else {
      long t = nanos.get(b);
      nanos.set(b, Math.max(1, t + ((elapsedNanos - t) >> SHIFT)));
      long r = rowsX256.get(b);
      rowsX256.set(b, r + ((rows * 256 - r) >> SHIFT));
    }
    if (n < Long.MAX_VALUE) samples.set(b, n + 1);
  }

  /**
   * Whether the curve knows enough to be acted on: two sizes seen, or one size seen often enough that
   * it is what this model's load produces. Without evidence the batcher keeps Triton's behaviour and
   * waits up to the queue delay to fill a batch.
   */
  boolean hasEvidence() {
    int seen = 0;
    long most = 0;
    for (int b = 0; b < buckets; b++) {
      long n = samples.get(b);
      if (n > 0) {
        seen++;
        most = Math.max(most, n);
      }
    }
    return seen >= 2 || most >= SINGLE_SIZE_EVIDENCE;
  }

  /**
   * Estimated time of a batch of {@code rows}, in nanos; without any observation, {@code rows} itself
   * (a cost proportional to rows, which is all the batcher then assumes).
   */
  double estimate(long rows) {
    double lowRows = 0;
    double lowTime = 0;
    for (int b = 0; b < buckets; b++) {
      if (samples.get(b) == 0) continue;
      double r = rowsX256.get(b) / 256.0;
      double t = nanos.get(b);
      if (r >= rows) {
        if (lowRows == 0) return t * rows / r; // below every observation: the same cost per row
        return lowTime + (t - lowTime) * (rows - lowRows) / (r - lowRows);
      }
      lowRows = r;
      lowTime = t;
    }
    return lowRows == 0 ? rows : lowTime * rows / lowRows; // above every observation: the same cost per row
  }

  /**
   * Whether some observed larger batch (up to {@code limit} rows) costs clearly less per row than a
   * batch of {@code rows}: only then does waiting for more requests pay.
   */
  boolean largerBatchPays(long rows, long limit) {
    double perRow = estimate(rows) / rows;
    for (int b = 0; b < buckets; b++) {
      if (samples.get(b) == 0) continue;
      double r = rowsX256.get(b) / 256.0;
      if (r <= rows || r > limit) continue;
      if (nanos.get(b) / r < WAIT_GAIN * perRow) return true;
    }
    return false;
  }

  /**
   * How many rows one batch should take when {@code queuedRows} are waiting and {@code instances}
   * instances serve them: the split into k batches (k up to the instances) whose estimated makespan
   * is within 10 % of the best, with the fewest batches. A cost proportional to rows splits as widely
   * as possible; a flat cost (a GPU below saturation) keeps one large batch.
   */
  long shareOf(long queuedRows, int instances) {
    if (queuedRows <= 1) return 1;
    int kMax = (int) Math.min(instances, queuedRows);
    double[] makespan = new double[kMax + 1];
    long[] size = new long[kMax + 1];
    double best = Double.MAX_VALUE;
    for (int k = 1; k <= kMax; k++) {
      long s = Math.min(maxBatch, ceilDiv(queuedRows, k));
      long rounds = ceilDiv(queuedRows, k * s);
      size[k] = s;
      makespan[k] = estimate(s) * rounds;
      best = Math.min(best, makespan[k]);
    }
    for (int k = 1; k <= kMax; k++) {
      if (makespan[k] <= best * 1.1) return size[k];
    }
    return size[kMax];
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
