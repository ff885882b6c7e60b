package dev.nereid.fil;

import java.util.Arrays;
import java.util.List;

/**
 * A tree ensemble compiled for inference: the trees in a {@link TreeLayout} (the {@link CompleteTrees} of
 * shallow forests, the {@link LinkedTrees} of deeper ones), each row's sum of leaves, then the base margin.
 * Immutable and safe to share between threads.
 */
final class Forest {
  /** Set on a node whose NaN goes left. */
  static final int NAN_LEFT = 1 << 29;
  /** Set on a node whose test is a {@link SpecialSplit}. */
  static final int SPECIAL = 1 << 30;
  static final int FEATURE_MASK = (1 << 29) - 1;

  /** Rows walked together through one tree: their features stay in the L1 cache while the trees pass. */
  private static final int BLOCK = 64;

  /** Which {@link TreeLayout} to compile into (config parameter {@code storage_type}). */
  enum Layout {
    /** {@link CompleteTrees} when the forest is no deeper than {@link CompleteTrees#MAX_DEPTH}, else linked. */
    AUTO,
    /** {@link LinkedTrees} whatever the depth. */
    LINKED
  }

  private final int numFeatures;
  private final int numGroups;
  private final int numTrees;
  private final TreeLayout layout;
  private final double[] baseMargin;
  private final double averageDivisor;

  private Forest(int numFeatures, int numGroups, int numTrees, TreeLayout layout, double[] baseMargin,
      double averageDivisor) {
    this.numFeatures = numFeatures;
    this.numGroups = numGroups;
    this.numTrees = numTrees;
    this.layout = layout;
    this.baseMargin = baseMargin;
    this.averageDivisor = averageDivisor;
  }

  /**
   * Compiles trees into a forest.
   *
   * @param numFeatures the number of input columns the trees may read
   * @param baseMargin per output group, the margin every row starts from
   * @param averageDivisor the summed leaves are divided by this (a random forest's tree count per group;
   *     1 for boosting)
   * @param layout how to lay the trees out
   */
  static Forest compile(int numFeatures, List<Tree> trees, double[] baseMargin, double averageDivisor, Layout layout) {
    int numGroups = baseMargin.length;
    int depth = 0;
    for (int ti = 0; ti < trees.size(); ti++) {
      depth = Math.max(depth, checkedDepth(trees.get(ti), ti, numFeatures, numGroups));
    }
    TreeLayout compiled = layout == Layout.AUTO && depth <= CompleteTrees.MAX_DEPTH
        ? CompleteTrees.of(trees, numFeatures, numGroups, depth)
        : LinkedTrees.of(trees, numGroups);
    return new Forest(numFeatures, numGroups, trees.size(), compiled, baseMargin.clone(), averageDivisor);
  }

  /** Checks that {@code t} is a tree the layouts can take, and returns its depth (0 for a single leaf). */
  private static int checkedDepth(Tree t, int ti, int numFeatures, int numGroups) {
    if (t.group() < 0 || t.group() >= numGroups) {
      throw new IllegalArgumentException("tree " + ti + " adds to output group " + t.group() + ", but the model has "
          + numGroups);
    }
    boolean[] seen = new boolean[t.size()];
    int[] queue = new int[t.size()];
    int[] level = new int[t.size()];
    int head = 0;
    int tail = 0;
    int depth = 0;
    queue[tail++] = 0;
    while (head < tail) {
      int n = queue[head];
      int d = level[head++];
      if (seen[n]) throw new IllegalArgumentException("tree " + ti + ": node " + n + " is reached twice");
      seen[n] = true;
      depth = Math.max(depth, d);
      if (t.isLeaf(n)) continue;
      int f = t.feature()[n];
      if (f < 0 || f >= numFeatures) {
        throw new IllegalArgumentException("tree " + ti + ": node " + n + " splits on feature " + f
            + ", but the model has " + numFeatures + " features");
      }
      for (int child : new int[] {t.left()[n], t.right()[n]}) {
        if (child < 0 || child >= t.size()) {
          throw new IllegalArgumentException("tree " + ti + ": node " + n + " has child " + child + " outside 0.."
              + (t.size() - 1));
        }
        if (tail == queue.length) {
          throw new IllegalArgumentException("tree " + ti + " is not a tree (a node is reached twice)");
        }
        level[tail] = d + 1;
        queue[tail++] = child;
      }
    }
    return depth;
  }

  /** The number of input columns the model reads. */
  int numFeatures() {
    return numFeatures;
  }

  /** The number of margins per row: classes for a multiclass model, 1 otherwise. */
  int numGroups() {
    return numGroups;
  }

  /** The number of trees. */
  int numTrees() {
    return numTrees;
  }

  /** The layout the trees were compiled into. */
  TreeLayout layout() {
    return layout;
  }

  /**
   * Computes the margins of rows {@code [from, to)} of a row-major matrix with {@code stride} columns into
   * {@code out[row * numGroups + group]} (rows counted from 0 at {@code from}).
   */
  void margins(float[] x, int stride, int from, int to, double[] out) {
    int rows = to - from;
    for (int r = 0; r < rows; r++) {
      System.arraycopy(baseMargin, 0, out, r * numGroups, numGroups);
    }
    double[] sums = new double[Math.min(BLOCK, rows) * numGroups];
    for (int start = 0; start < rows; start += BLOCK) {
      int n = Math.min(BLOCK, rows - start);
      Arrays.fill(sums, 0, n * numGroups, 0.0);
      layout.addLeaves(x, stride, from + start, n, sums);
      for (int i = 0; i < n * numGroups; i++) {
        out[start * numGroups + i] += sums[i] / averageDivisor;
      }
    }
  }
}
