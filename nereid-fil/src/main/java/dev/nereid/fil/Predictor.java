package dev.nereid.fil;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Turns rows of features into {@code output__0}: the forest's margins, the objective's link, then the
 * class, probabilities or values the config asks for. Splits a large batch across a pool when the model
 * has {@code threads > 1}. Stateless between calls; safe to share between instances.
 */
final class Predictor {
  /** Rows per task when a batch is split across threads: enough to amortise a hand-off. */
  private static final int MIN_ROWS_PER_TASK = 64;

  private final TreeModel model;
  private final OutputKind kind;
  private final float threshold;
  private final int width;
  private final ExecutorService pool;
  private final int threads;

  Predictor(TreeModel model, OutputKind kind, float threshold, ExecutorService pool, int threads) {
    this.model = model;
    this.kind = kind;
    this.threshold = threshold;
    this.width = kind.width(model);
    this.pool = pool;
    this.threads = pool == null ? 1 : threads;
  }

  /** The number of output values per row. */
  int width() {
    return width;
  }

  /** The number of features a row must have. */
  int numFeatures() {
    return model.forest().numFeatures();
  }

  /**
   * Predicts {@code rows} rows of {@code x} (row-major, {@code stride} floats a row) into {@code out}
   * ({@code rows * width()} floats).
   */
  void predict(float[] x, int stride, int rows, float[] out) throws InterruptedException {
    int tasks = Math.min(threads, Math.max(1, rows / MIN_ROWS_PER_TASK));
    if (tasks <= 1) {
      predictRange(x, stride, 0, rows, out);
      return;
    }
    int per = (rows + tasks - 1) / tasks;
    @SuppressWarnings("unchecked")
    Future<?>[] futures = new Future<?>[tasks - 1];
    for (int t = 1; t < tasks; t++) {
      int from = Math.min(rows, t * per);
      int to = Math.min(rows, from + per);
      futures[t - 1] = pool.submit(() -> predictRange(x, stride, from, to, out));
    }
    predictRange(x, stride, 0, Math.min(rows, per), out);
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
      }
    }
  }

  private void predictRange(float[] x, int stride, int from, int to, float[] out) {
    Forest forest = model.forest();
    int groups = forest.numGroups();
    double[] margins = new double[(to - from) * groups];
    forest.margins(x, stride, from, to, margins);
    Link link = model.link();
    double scale = model.sigmoidScale();
    for (int r = 0; r < to - from; r++) {
      int m = r * groups;
      int o = (from + r) * width;
      link.apply(margins, m, groups, scale);
      switch (kind) {
        case VALUES -> {
          for (int g = 0; g < groups; g++) out[o + g] = (float) margins[m + g];
        }
        case PROBABILITIES -> {
          if (groups == 1) {
            float p = (float) margins[m];
            out[o] = 1f - p;
            out[o + 1] = p;
          } else {
            for (int g = 0; g < groups; g++) out[o + g] = (float) margins[m + g];
          }
        }
        case CLASS -> {
          if (groups == 1) {
            out[o] = (float) margins[m] > threshold ? 1f : 0f;
          } else {
            int best = 0;
            for (int g = 1; g < groups; g++) {
              if (margins[m + g] > margins[m + best]) best = g;
            }
            out[o] = best;
          }
        }
      }
    }
  }
}
