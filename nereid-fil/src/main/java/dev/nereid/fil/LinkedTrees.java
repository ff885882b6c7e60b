package dev.nereid.fil;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The layout for trees of any depth. Per node a feature index with flag bits, a float threshold, and the
 * two children side by side, so a step is one compare and one indexed load
 * ({@code children[2n + (goes right ? 1 : 0)]}) with no branch on the direction. A child that is a leaf is
 * stored as {@code ~leafIndex}, so a walk ends when the index turns negative.
 *
 * <p>Many rows: tree by tree, eight rows walking it in lockstep so that the CPU overlaps their loads. Under
 * eight rows: per row, eight trees in lockstep (the trees are what is independent).
 */
final class LinkedTrees implements TreeLayout {
  private final int numGroups;
  private final int[] roots;
  private final int[] treeGroup;
  private final int[] feature;
  private final float[] threshold;
  private final int[] children;
  private final double[] leafValue;
  private final SpecialSplit[] special;

  private LinkedTrees(int numGroups, int[] roots, int[] treeGroup, int[] feature, float[] threshold, int[] children,
      double[] leafValue, SpecialSplit[] special) {
    this.numGroups = numGroups;
    this.roots = roots;
    this.treeGroup = treeGroup;
    this.feature = feature;
    this.threshold = threshold;
    this.children = children;
    this.leafValue = leafValue;
    this.special = special;
  }

  /** Lays out trees that {@link Forest#compile} has checked. */
  static LinkedTrees of(List<Tree> trees, int numGroups) {
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
        if (t.isLeaf(n)) {
          leafValue[nextLeaf] = t.leafValue()[n] * t.weight();
          compiled[n] = ~nextLeaf++;
        } else {
          compiled[n] = nextNode++;
          queue[tail++] = t.left()[n];
          queue[tail++] = t.right()[n];
        }
      }
      roots[ti] = compiled[0];
      for (int n = 0; n < t.size(); n++) {
        int c = compiled[n];
        if (c < 0) continue; // a leaf, or a node unreachable from the root
        int flags = t.nanLeft()[n] ? Forest.NAN_LEFT : 0;
        if (t.special()[n] != null) {
          flags |= Forest.SPECIAL;
          threshold[c] = Float.intBitsToFloat(specials.size()); // the index into special[], not a threshold
          specials.add(t.special()[n]);
        } else {
          threshold[c] = t.threshold()[n];
        }
        feature[c] = t.feature()[n] | flags;
        children[2 * c] = compiled[t.left()[n]];
        children[2 * c + 1] = compiled[t.right()[n]];
      }
    }
    return new LinkedTrees(numGroups, roots, treeGroup, feature, threshold, children, leafValue,
        specials.toArray(new SpecialSplit[0]));
  }

  @Override
  public String description() {
    return "linked nodes";
  }

  @Override
  public void addLeaves(float[] x, int stride, int first, int rows, double[] sums) {
    if (rows < 8) {
      for (int r = 0; r < rows; r++) rowByTrees(x, (first + r) * stride, sums, r * numGroups);
      return;
    }
    for (int t = 0; t < roots.length; t++) {
      int root = roots[t];
      int group = treeGroup[t];
      if (root < 0) {
        double v = leafValue[~root];
        for (int r = 0; r < rows; r++) sums[r * numGroups + group] += v;
        continue;
      }
      int r = 0;
      // Eight rows walk the tree in lockstep, one level per round: eight independent loads in flight
      // instead of one walk's chain of dependent loads. A row that reached its leaf stays there.
      for (; r + 8 <= rows; r += 8) {
        int base = (first + r) * stride;
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
      for (; r < rows; r++) {
        int base = (first + r) * stride;
        int a = root;
        while (a >= 0) a = step(x, base, a);
        sums[r * numGroups + group] += leafValue[~a];
      }
    }
  }

  /** One row through every tree, eight trees in lockstep, adding into {@code sums[o + group]}. */
  private void rowByTrees(float[] x, int base, double[] sums, int o) {
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
      sums[o + treeGroup[t]] += leafValue[~a];
      sums[o + treeGroup[t + 1]] += leafValue[~b];
      sums[o + treeGroup[t + 2]] += leafValue[~c];
      sums[o + treeGroup[t + 3]] += leafValue[~d];
      sums[o + treeGroup[t + 4]] += leafValue[~e];
      sums[o + treeGroup[t + 5]] += leafValue[~f];
      sums[o + treeGroup[t + 6]] += leafValue[~g];
      sums[o + treeGroup[t + 7]] += leafValue[~h];
    }
    for (; t < roots.length; t++) {
      int a = roots[t];
      while (a >= 0) a = step(x, base, a);
      sums[o + treeGroup[t]] += leafValue[~a];
    }
  }

  /** One step of a walk: the child a row goes to from node {@code n}, or {@code n} itself when it is a leaf. */
  private int step(float[] x, int base, int n) {
    if (n < 0) return n;
    int f = feature[n];
    float v = x[base + (f & Forest.FEATURE_MASK)];
    boolean right;
    if ((f & Forest.SPECIAL) == 0) {
      // NaN fails "v < t", so it goes right unless the node sends it left.
      right = !(v < threshold[n]) & !(v != v & (f & Forest.NAN_LEFT) != 0);
    } else {
      right = !special[Float.floatToRawIntBits(threshold[n])].goesLeft(v);
    }
    return children[2 * n + (right ? 1 : 0)];
  }
}
