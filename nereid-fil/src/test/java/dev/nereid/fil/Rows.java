package dev.nereid.fil;

import java.util.SplittableRandom;

/** Random test rows: normal features, some NaN, some columns integer category codes. */
final class Rows {
  private Rows() {}

  /**
   * {@code rows x features} floats, row-major: each value NaN with probability {@code nanShare}, otherwise
   * normal (mean 0, sd 1.5); the columns in {@code categorical} hold codes from -2 to 14 instead (negative
   * and unseen codes included on purpose) and, rarely, a fraction.
   */
  static float[] random(long seed, int rows, int features, double nanShare, int... categorical) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[rows * features];
    for (int r = 0; r < rows; r++) {
      for (int f = 0; f < features; f++) {
        float v;
        if (random.nextDouble() < nanShare) {
          v = Float.NaN;
        } else if (contains(categorical, f)) {
          v = random.nextInt(-2, 15) + (random.nextDouble() < 0.05 ? 0.5f : 0f);
        } else {
          // Exact zeros now and then: LightGBM treats them as missing in zero_as_missing splits.
          v = random.nextDouble() < 0.03 ? 0f : (float) (random.nextGaussian() * 1.5);
        }
        x[r * features + f] = v;
      }
    }
    return x;
  }

  private static boolean contains(int[] values, int v) {
    for (int x : values) {
      if (x == v) return true;
    }
    return false;
  }
}
