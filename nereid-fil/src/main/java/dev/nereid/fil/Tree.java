package dev.nereid.fil;

import java.util.Arrays;

/**
 * One decision tree as a reader finds it, before it is compiled into a {@link Forest}: nodes by the
 * file's own numbering, node 0 the root. A node with {@code left[i] < 0} is a leaf holding {@code leafValue[i]}.
 * Otherwise a row goes left when {@code x[feature[i]] < threshold[i]}, NaN going left when {@code nanLeft[i]};
 * a non-null {@code special[i]} replaces that test.
 *
 * @param group the output (class) the tree adds to
 * @param weight the factor applied to the tree's leaves (DART's tree weights; 1 otherwise)
 */
record Tree(int group, double weight, int[] left, int[] right, int[] feature, float[] threshold, boolean[] nanLeft,
    double[] leafValue, SpecialSplit[] special) {

  /** An empty tree of {@code size} nodes, every node a leaf of value 0, for a reader to fill. */
  static Tree ofSize(int group, double weight, int size) {
    int[] left = new int[size];
    int[] right = new int[size];
    Arrays.fill(left, -1);
    Arrays.fill(right, -1);
    return new Tree(group, weight, left, right, new int[size], new float[size], new boolean[size], new double[size],
        new SpecialSplit[size]);
  }

  int size() {
    return left.length;
  }

  boolean isLeaf(int node) {
    return left[node] < 0;
  }

  /**
   * The float threshold {@code t} such that, for every float {@code x}, {@code x < t} exactly when
   * {@code (double) x <= threshold}: how a LightGBM split (compared in double, "less or equal") becomes a
   * split of the compiled form (compared in float, "less than") with the same answer for every input.
   */
  static float lessOrEqualAsLessThan(double threshold) {
    if (Double.isNaN(threshold)) return Float.NaN;
    if (threshold >= Float.MAX_VALUE) return Float.POSITIVE_INFINITY;
    if (threshold < -Float.MAX_VALUE) return threshold == Double.NEGATIVE_INFINITY ? Float.NEGATIVE_INFINITY : -Float.MAX_VALUE;
    float f = (float) threshold;
    if ((double) f > threshold) f = Math.nextDown(f);
    return Math.nextUp(f);
  }
}
