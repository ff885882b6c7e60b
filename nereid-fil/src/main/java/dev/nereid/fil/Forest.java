package dev.nereid.fil;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tree ensemble compiled for inference. Every tree's nodes live in a few flat arrays: per node a feature
 * index with flag bits, a float threshold, and its two children side by side, so a step is one compare and
 * one indexed load ({@code children[2n + (goes right ? 1 : 0)]}), with no branch on the direction. A child
 * that is a leaf is stored as {@code ~leafIndex}, so the walk ends when the index turns negative.
 *
 * <p>{@link #margins} walks tree by tree over a block of rows: one tree's nodes stay in cache while the
 * block's rows pass through it, eight rows at a time in lockstep so that the CPU overlaps their loads. Immutable and safe to share between threads.
 */
final class Forest {
  /** Set on a node whose NaN goes left. */
  static final int NAN_LEFT = 1 << 29;
  /** Set on a node whose test is a {@link SpecialSplit}. */
  static final int SPECIAL = 1 << 30;
  static final int FEATURE_MASK = (1 << 29) - 1;

  /** Rows walked together through one tree. */
  private static final int BLOCK = 64;

  private final int numFeatures;
  private final int numGroups;
  private final int[] roots;
  private final int[] treeGroup;
  private final int[] feature;
  private final float[] threshold;
  private final int[] children;
  private final double[] leafValue;
  private final SpecialSplit[] special;
  private final double[] baseMargin;
  private final double averageDivisor;

  private Forest(int numFeatures, int numGroups, int[] roots, int[] treeGroup, int[] feature, float[] threshold,
      int[] children, double[] leafValue, SpecialSplit[] special, double[] baseMargin, double averageDivisor) {
    this.numFeatures = numFeatures;
    this.numGroups = numGroups;
    this.roots = roots;
    this.treeGroup = treeGroup;
    this.feature = feature;
    this.threshold = threshold;
    this.children = children;
    this.leafValue = leafValue;
    this.special = special;
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
   */
  static Forest compile(int numFeatures, List<Tree> trees, double[] baseMargin, double averageDivisor) {
    int numGroups = baseMargin.length;
    int nodes = 0;
    int leaves = 0;
    for (Tree t : trees) {
      for (int i = 0; i < t.size(); i++) {
        if (t.isLeaf(i)) leaves++;
        else nodes++;
      }
    }
    int[] feature = new int[nodes];
    float[] threshold = new float[nodes];
    int[] children = new int[2 * nodes];
    double[] leafValue = new double[leaves];
    List<SpecialSplit> specials = new ArrayList<>();
    int[] roots = new int[trees.size()];
    int[] treeGroup = new int[trees.size()];
    int nextNode = 0;
    int nextLeaf = 0;
    for (int ti = 0; ti < trees.size(); ti++) {
      Tree t = trees.get(ti);
      if (t.group() < 0 || t.group() >= numGroups) {
        throw new IllegalArgumentException("tree " + ti + " adds to output group " + t.group() + ", but the model has "
            + numGroups);
      }
      treeGroup[ti] = t.group();
      // Number the tree's nodes: splits in breadth-first order (near the root first, sharing cache lines).
      int[] compiled = new int[t.size()];
      Arrays.fill(compiled, Integer.MIN_VALUE);
      int[] queue = new int[t.size()];
      int head = 0;
      int tail = 0;
      queue[tail++] = 0;
      while (head < tail) {
        int n = queue[head++];
        if (compiled[n] != Integer.MIN_VALUE) {
          throw new IllegalArgumentException("tree " + ti + ": node " + n + " is reached twice");
        }
        if (t.isLeaf(n)) {
          leafValue[nextLeaf] = t.leafValue()[n] * t.weight();
          compiled[n] = ~nextLeaf++;
        } else {
          compiled[n] = nextNode++;
          for (int child : new int[] {t.left()[n], t.right()[n]}) {
            if (child < 0 || child >= t.size()) {
              throw new IllegalArgumentException("tree " + ti + ": node " + n + " has child " + child + " outside 0.."
                  + (t.size() - 1));
            }
            if (tail == queue.length) {
              throw new IllegalArgumentException("tree " + ti + " is not a tree (a node is reached twice)");
            }
            queue[tail++] = child;
          }
        }
      }
      roots[ti] = compiled[0];
      for (int n = 0; n < t.size(); n++) {
        int c = compiled[n];
        if (c < 0) continue; // a leaf, or a node unreachable from the root
        int f = t.feature()[n];
        if (f < 0 || f >= numFeatures) {
          throw new IllegalArgumentException("tree " + ti + ": node " + n + " splits on feature " + f
              + ", but the model has " + numFeatures + " features");
        }
        int flags = t.nanLeft()[n] ? NAN_LEFT : 0;
        if (t.special()[n] != null) {
          flags |= SPECIAL;
          threshold[c] = Float.intBitsToFloat(specials.size()); // the index into special[], not a threshold
          specials.add(t.special()[n]);
        } else {
          threshold[c] = t.threshold()[n];
        }
        feature[c] = f | flags;
        children[2 * c] = compiled[t.left()[n]];
        children[2 * c + 1] = compiled[t.right()[n]];
      }
    }
    return new Forest(numFeatures, numGroups, roots, treeGroup, feature, threshold, children, leafValue,
        specials.toArray(new SpecialSplit[0]), baseMargin.clone(), averageDivisor);
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
    return roots.length;
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
    if (rows < 8) {
      for (int r = 0; r < rows; r++) rowByTrees(x, (from + r) * stride, out, r * numGroups);
      return;
    }
    double[] sums = new double[BLOCK * numGroups];
    for (int start = 0; start < rows; start += BLOCK) {
      int n = Math.min(BLOCK, rows - start);
      Arrays.fill(sums, 0, n * numGroups, 0.0);
      for (int t = 0; t < roots.length; t++) {
        int root = roots[t];
        int group = treeGroup[t];
        if (root < 0) {
          double v = leafValue[~root];
          for (int r = 0; r < n; r++) sums[r * numGroups + group] += v;
          continue;
        }
        int r = 0;
        // Eight rows walk the tree in lockstep, one level per round: eight independent loads in flight
        // instead of one walk's chain of dependent loads. A row that reached its leaf stays there.
        for (; r + 8 <= n; r += 8) {
          int base = (from + start + r) * stride;
          int a = root, b = root, c = root, d = root, e = root, f = root, g = root, h = root;
          while ((a & b & c & d & e & f & g & h) >= 0) {
            a = step(x, base, a);
            b = step(x, base + stride, b);
            c = step(x, base + 2 * stride, c);
            d = step(x, base + 3 * stride, d);
            e = step(x, base + 4 * stride, e);
            f = step(x, base + 5 * stride, f);
            g = step(x, base + 6 * stride, g);
            h = step(x, base + 7 * stride, h);
          }
          int o = r * numGroups + group;
          sums[o] += leafValue[~a];
          sums[o + numGroups] += leafValue[~b];
          sums[o + 2 * numGroups] += leafValue[~c];
          sums[o + 3 * numGroups] += leafValue[~d];
          sums[o + 4 * numGroups] += leafValue[~e];
          sums[o + 5 * numGroups] += leafValue[~f];
          sums[o + 6 * numGroups] += leafValue[~g];
          sums[o + 7 * numGroups] += leafValue[~h];
        }
        for (; r < n; r++) {
          int base = (from + start + r) * stride;
          int a = root;
          while (a >= 0) a = step(x, base, a);
          sums[r * numGroups + group] += leafValue[~a];
        }
      }
      for (int i = 0; i < n * numGroups; i++) {
        out[start * numGroups + i] += sums[i] / averageDivisor;
      }
    }
  }

  /**
   * One row through every tree, eight trees in lockstep: for a batch too small to fill eight rows, the trees
   * are what is independent.
   */
  private void rowByTrees(float[] x, int base, double[] out, int o) {
    double[] sums = new double[numGroups];
    int t = 0;
    for (; t + 8 <= roots.length; t += 8) {
      int a = roots[t], b = roots[t + 1], c = roots[t + 2], d = roots[t + 3];
      int e = roots[t + 4], f = roots[t + 5], g = roots[t + 6], h = roots[t + 7];
      while ((a & b & c & d & e & f & g & h) >= 0) {
        a = step(x, base, a);
        b = step(x, base, b);
        c = step(x, base, c);
        d = step(x, base, d);
        e = step(x, base, e);
        f = step(x, base, f);
        g = step(x, base, g);
        h = step(x, base, h);
      }
      sums[treeGroup[t]] += leafValue[~a];
      sums[treeGroup[t + 1]] += leafValue[~b];
      sums[treeGroup[t + 2]] += leafValue[~c];
      sums[treeGroup[t + 3]] += leafValue[~d];
      sums[treeGroup[t + 4]] += leafValue[~e];
      sums[treeGroup[t + 5]] += leafValue[~f];
      sums[treeGroup[t + 6]] += leafValue[~g];
      sums[treeGroup[t + 7]] += leafValue[~h];
    }
    for (; t < roots.length; t++) {
      int a = roots[t];
      while (a >= 0) a = step(x, base, a);
      sums[treeGroup[t]] += leafValue[~a];
    }
    for (int k = 0; k < numGroups; k++) out[o + k] += sums[k] / averageDivisor;
  }

  /** One step of a walk: the child a row goes to from node {@code n}, or {@code n} itself when it is a leaf. */
  private int step(float[] x, int base, int n) {
    if (n < 0) return n;
    int f = feature[n];
    float v = x[base + (f & FEATURE_MASK)];
    boolean right;
    if ((f & SPECIAL) == 0) {
      // NaN fails "v < t", so it goes right unless the node sends it left.
      right = !(v < threshold[n]) & !(v != v & (f & NAN_LEFT) != 0);
    } else {
      right = !special[Float.floatToRawIntBits(threshold[n])].goesLeft(v);
    }
    return children[2 * n + (right ? 1 : 0)];
  }
}
