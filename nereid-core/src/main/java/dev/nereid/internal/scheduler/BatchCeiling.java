package dev.nereid.internal.scheduler;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The largest batch the adaptive policy forms, found by trying sizes under the load the model has now.
 *
 * <p>Why trials and not the {@link CostCurve}: on a CPU a large batch often costs a few percent more per
 * row than a smaller one (it outgrows the caches, and the runtime plans memory per shape). A curve built
 * from batches timed at different moments cannot tell a few percent from the drift of a busy machine, and
 * a size it saw only during a quiet ramp-up looks cheap for ever. So a ceiling is tested the way a
 * benchmark tests one: executions are grouped into windows, and a probe runs eight windows in the order
 * A B B A A B B A (which cancels a steady drift), the settled ceiling in A windows and a candidate in B
 * windows. A window's cost is the trimmed mean of its batches' execution time per row (a batch whose
 * thread lost its core to a caller for a while says nothing about its size). The candidate becomes the
 * ceiling only when its cost is lower by {@link #GAIN} overall and lower in all four pairs: on two busy
 * cores one pair's costs differ by up to 5 % by chance.
 *
 * <p>Candidates: about half the recent mean batch (probing down), or twice the ceiling when batches reach
 * it (probing up). Down only to batches that still take {@link #MIN_TRIAL_BATCH_NANOS}: below that, the
 * hand-offs around an execution, which the execution time does not show, cost more than a batch's size
 * can save, so a model of microseconds keeps its large batches. A probe that moves nothing is repeated only after twice as many windows as the last,
 * up to {@link #MAX_REST}, so where large batches pay (a GPU) the cost of asking again fades. Only batches
 * formed and finished within one window count, so a batch formed under one ceiling never counts for the
 * other.
 *
 * <p>Not thread-safe: the batcher calls it under its formation lock, once per batch formed or finished.
 */
final class BatchCeiling {
  private static final Logger LOG = LoggerFactory.getLogger(BatchCeiling.class);

  /** A window lasts at least this long and at least {@link #WINDOW_BATCHES} counted batches. */
  static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  static final int WINDOW_BATCHES = 16;
  /** The candidate's cost, over the settled ceiling's, at or below which the candidate wins. */
  static final double GAIN = 0.975;
  /** A down trial's batches must be expected to take at least this long. */
  static final long MIN_TRIAL_BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /** Windows before the first probe, and the first rest after a probe that moved nothing. */
  static final int FIRST_REST = 4;
  static final int MAX_REST = 512;
  private static final boolean[] CANDIDATE_TURN = {false, true, true, false, false, true, true, false};

  private final String modelName;
  private final int maxBatch;
  private int settled;
  /** The ceiling under trial; 0 while no probe runs. */
  private int candidate;
  private int probeWindow;
  private final double[] windowCost = new double[CANDIDATE_TURN.length];
  /** Which way the next probe goes when both are useful: on after a failed probe down or a move up. */
  private boolean preferUp;
  private int restWindows = FIRST_REST;
  private int rest = FIRST_REST;

  private long window;
  private long windowStart;
  private int windowBatches;
  private long windowRows;
  private long windowNanos;
  /** Time per row of the window's first batches, in nanos; later ones only count towards its mean batch. */
  private final double[] perRow = new double[4 * WINDOW_BATCHES];

  BatchCeiling(String modelName, int maxBatch, long now) {
    this.modelName = modelName;
    this.maxBatch = Math.max(1, maxBatch);
    this.settled = this.maxBatch;
    this.windowStart = now;
  }

  /** The window a batch formed now belongs to; pass it back to {@link #record}. */
  long window() {
    return window;
  }

  /** The most rows a batch formed now may take. */
  int limit() {
    return candidate != 0 && CANDIDATE_TURN[probeWindow] ? candidate : settled;
  }

  /** The ceiling trials have settled on so far. */
  int settled() {
    return settled;
  }

  /** Counts one finished batch of {@code rows} that executed in {@code nanos}, formed in {@code formedIn}. */
  void record(long formedIn, long rows, long nanos, long now) {
    if (formedIn != window || rows < 1 || nanos <= 0) return;
    if (windowBatches < perRow.length) perRow[windowBatches] = nanos / (double) rows;
    windowBatches++;
    windowRows += rows;
    windowNanos += nanos;
    if (windowBatches >= WINDOW_BATCHES && now - windowStart >= WINDOW_NANOS) {
      closeWindow(now);
    }
  }

  private void closeWindow(long now) {
    double meanBatch = windowRows / (double) windowBatches;
    if (candidate != 0) {
      windowCost[probeWindow] = trimmedMean(perRow, Math.min(windowBatches, perRow.length));
      if (++probeWindow == CANDIDATE_TURN.length) finishProbe();
    } else if (--restWindows <= 0) {
      startProbe(meanBatch, windowNanos / (double) windowRows);
    }
    window++;
    windowStart = now;
    windowBatches = 0;
    windowRows = 0;
    windowNanos = 0;
  }

  /** The mean without the lowest and highest eighth. */
  private static double trimmedMean(double[] values, int n) {
    Arrays.sort(values, 0, n);
    int cut = n / 8;
    double sum = 0;
    for (int i = cut; i < n - cut; i++) sum += values[i];
    return sum / (n - 2 * cut);
  }

  private void startProbe(double meanBatch, double nanosPerRow) {
    // The power of two nearest (in ratio) to half the mean batch, so the trial differs from now.
    int down = Integer.highestOneBit(Math.max(1, (int) Math.round(meanBatch / Math.sqrt(2))));
    boolean downUseful = down < meanBatch && down < settled && down * nanosPerRow >= MIN_TRIAL_BATCH_NANOS;
    boolean upUseful = settled < maxBatch && meanBatch >= 0.75 * settled;
    if (upUseful && (preferUp || !downUseful)) {
      candidate = Math.min(maxBatch, 2 * settled);
    } else if (downUseful) {
      candidate = down;
    } else {
      restWindows = rest;
      return;
    }
    probeWindow = 0;
  }

  private void finishProbe() {
    double candidateCost = 0;
    double settledCost = 0;
    int pairsWon = 0;
    for (int i = 0; i < CANDIDATE_TURN.length; i += 2) {
      double c = CANDIDATE_TURN[i] ? windowCost[i] : windowCost[i + 1];
      double s = CANDIDATE_TURN[i] ? windowCost[i + 1] : windowCost[i];
      candidateCost += c;
      settledCost += s;
      if (c < s) pairsWon++;
    }
    double ratio = candidateCost / settledCost;
    boolean wentUp = candidate > settled;
    if (ratio <= GAIN && pairsWon == CANDIDATE_TURN.length / 2) {
      LOG.debug("model '{}': adaptive batch ceiling {} -> {} (time per row {} of the old ceiling's, {} of 4 pairs)",
          modelName, settled, candidate, String.format(Locale.ROOT, "%.3f", ratio), pairsWon);
      settled = candidate;
      rest = FIRST_REST;
      restWindows = 1;
      preferUp = wentUp; // after a move, keep going the same way
    } else {
      restWindows = rest;
      rest = Math.min(MAX_REST, rest * 2);
      preferUp = !wentUp;
    }
    candidate = 0;
    probeWindow = 0;
  }
}
