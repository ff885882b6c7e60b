package dev.nereid.fil;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The layout for shallow forests: every tree stored as a complete binary tree of the forest's depth, in
 * breadth-first order, so a node's children are implicit ({@code 2i + 1}, {@code 2i + 2}) and every walk
 * takes exactly {@code depth} steps. A leaf above the bottom level is padded: it becomes a split whose both
 * sides end in copies of the leaf, so each row still reaches the leaf value the tree holds.
 *
 * <p>A node is one 64-bit word, a column with flag bits in the low half and the float threshold (or the
 * index of a {@link SpecialSplit}) in the high half. A step is one load of the node, one of the value, one
 * compare and {@code i = 2i + 1 + (goes right ? 1 : 0)}: no test for a leaf, and none for NaN. NaN needs no
 * test because each row is first widened into copies with NaN replaced: by +infinity in the first copy,
 * which fails every "{@code x < threshold}" as a NaN does, and by -infinity in the second, which passes
 * it; a node whose NaN goes left reads its feature from the second copy. (A forest with special splits gets
 * a third copy, the row as it came, for them.)
 *
 * <p>Many rows: tree by tree, all the rows of the block take one level per pass, so the walks of a block
 * are independent loads the CPU overlaps. Under eight rows: per row, a chunk of trees per pass.
 */
final class CompleteTrees implements TreeLayout {
  /** The deepest forest this layout takes: past it, padding costs more memory than the steps it saves. */
  static final int MAX_DEPTH = 10;
  /** Trees one row walks together when there are too few rows to walk in lockstep. */
  private static final int TREE_CHUNK = 16;
  /**
   * The nodes a padded leaf becomes: both sides hold the same leaf, so the test does not matter, but the
   * JIT compiles "{@code x < threshold ? 1 : 2}" to a branch, not a conditional move, when its profile is
   * lopsided, and the branch then mispredicts on every real split (sparse trees, mostly padding, ran 2x
   * slower). So padding at even positions sends rows left (+infinity) and at odd positions right
   * (-infinity), which keeps the profile even; never NaN, whose unordered compare takes a branch of its own.
   */
  private static final long PAD_LEFT = (long) Float.floatToRawIntBits(Float.POSITIVE_INFINITY) << 32;
  private static final long PAD_RIGHT = (long) Float.floatToRawIntBits(Float.NEGATIVE_INFINITY) << 32;

  private final int numFeatures;
  private final int numGroups;
  private final int depth;
  private final int[] treeGroup;
  private final long[] nodes;
  private final double[] leaves;
  private final SpecialSplit[] special;
  /** Floats per widened row: two copies of the features, three with special splits. */
  private final int width;

  private CompleteTrees(int numFeatures, int numGroups, int depth, int[] treeGroup, long[] nodes, double[] leaves,
      SpecialSplit[] special) {
    this.numFeatures = numFeatures;
    this.numGroups = numGroups;
    this.depth = depth;
    this.treeGroup = treeGroup;
    this.nodes = nodes;
    this.leaves = leaves;
    this.special = special;
    this.width = (special.length == 0 ? 2 : 3) * numFeatures;
  }

  /** Lays out trees that {@link Forest#compile} has checked, none deeper than {@code depth}. */
  static CompleteTrees of(List<Tree> trees, int numFeatures, int numGroups, int depth) {
    if (depth > MAX_DEPTH) throw new IllegalArgumentException("depth " + depth + " is over " + MAX_DEPTH);
    int inner = (1 << depth) - 1;
    long[] nodes = new long[trees.size() * inner];
    double[] leaves = new double[trees.size() << depth];
    int[] treeGroup = new int[trees.size()];
    List<SpecialSplit> specials = new ArrayList<>();
    Placer placer = new Placer(numFeatures, depth, nodes, leaves, specials);
    for (int ti = 0; ti < trees.size(); ti++) {
      Tree t = trees.get(ti);
      treeGroup[ti] = t.group();
      placer.place(t, 0, 0, 0, ti * inner, ti << depth);
    }
    return new CompleteTrees(numFeatures, numGroups, depth, treeGroup, nodes, leaves,
        specials.toArray(new SpecialSplit[0]));
  }

  /** Fills the complete trees' arrays from the readers' trees. */
  private record Placer(int numFeatures, int depth, long[] nodes, double[] leaves, List<SpecialSplit> specials) {
    /** Puts node {@code n} of {@code t} at position {@code pos} (on {@code level}) of the complete tree. */
    void place(Tree t, int n, int pos, int level, int nodeBase, int leafBase) {
      if (level == depth) {
        leaves[leafBase + pos - ((1 << depth) - 1)] = t.leafValue()[n] * t.weight();
        return;
      }
      if (t.isLeaf(n)) {
        nodes[nodeBase + pos] = (pos & 1) == 0 ? PAD_LEFT : PAD_RIGHT;
        place(t, n, 2 * pos + 1, level + 1, nodeBase, leafBase);
        place(t, n, 2 * pos + 2, level + 1, nodeBase, leafBase);
        return;
      }
      nodes[nodeBase + pos] = node(t, n);
      place(t, t.left()[n], 2 * pos + 1, level + 1, nodeBase, leafBase);
      place(t, t.right()[n], 2 * pos + 2, level + 1, nodeBase, leafBase);
    }

    private long node(Tree t, int n) {
      int feature = t.feature()[n];
      float threshold = t.threshold()[n];
      boolean nanLeft = t.nanLeft()[n];
      SpecialSplit split = t.special()[n];
      // -infinity stands for NaN in the second copy, so it must pass the test: it does unless the threshold
      // is itself -infinity or NaN. Those rare nodes take the general test.
      if (split == null && nanLeft && !(Float.NEGATIVE_INFINITY < threshold)) {
        split = new SpecialSplit.Numeric(threshold, true);
      }
      if (split != null) {
        long index = specials.size();
        specials.add(split);
        return index << 32 | (Forest.SPECIAL | (2 * numFeatures + feature));
      }
      int column = nanLeft ? numFeatures + feature : feature;
      return (long) Float.floatToRawIntBits(threshold) << 32 | column;
    }
  }

  @Override
  public String description() {
    return "complete trees of depth " + depth;
  }

  @Override
  public void addLeaves(float[] x, int stride, int first, int rows, double[] sums) {
    float[] wide = widen(x, stride, first, rows);
    if (rows < 8) {
      for (int r = 0; r < rows; r++) rowByTrees(wide, r * width, sums, r * numGroups);
      return;
    }
    int inner = (1 << depth) - 1;
    int[] pos = new int[rows];
    for (int t = 0; t < treeGroup.length; t++) {
      int nodeBase = t * inner;
      Arrays.fill(pos, 0);
      // Every row of the block takes one step per pass: independent loads, no test for a leaf.
      if (special.length == 0) {
        for (int level = 0; level < depth; level++) {
          for (int r = 0; r < rows; r++) pos[r] = step(wide, r * width, nodeBase, pos[r]);
        }
      } else {
        for (int level = 0; level < depth; level++) {
          for (int r = 0; r < rows; r++) pos[r] = stepOrSpecial(wide, r * width, nodeBase, pos[r]);
        }
      }
      int leafBase = (t << depth) - inner;
      int group = treeGroup[t];
      for (int r = 0; r < rows; r++) sums[r * numGroups + group] += leaves[leafBase + pos[r]];
    }
  }

  /** The rows widened into the copies the nodes read (see the class comment), {@link #width} floats each. */
  private float[] widen(float[] x, int stride, int first, int rows) {
    float[] wide = new float[rows * width];
    for (int r = 0; r < rows; r++) {
      int from = (first + r) * stride;
      int to = r * width;
      for (int f = 0; f < numFeatures; f++) {
        float v = x[from + f];
        boolean nan = v != v;
        wide[to + f] = nan ? Float.POSITIVE_INFINITY : v;
        wide[to + numFeatures + f] = nan ? Float.NEGATIVE_INFINITY : v;
      }
      if (width > 2 * numFeatures) System.arraycopy(x, from, wide, to + 2 * numFeatures, numFeatures);
    }
    return wide;
  }

  /** One row through every tree, {@link #TREE_CHUNK} trees a pass, adding into {@code sums[o + group]}. */
  private void rowByTrees(float[] wide, int base, double[] sums, int o) {
    int inner = (1 << depth) - 1;
    int[] pos = new int[TREE_CHUNK];
    for (int start = 0; start < treeGroup.length; start += TREE_CHUNK) {
      int n = Math.min(TREE_CHUNK, treeGroup.length - start);
      Arrays.fill(pos, 0);
      if (special.length == 0) {
        for (int level = 0; level < depth; level++) {
          for (int k = 0; k < n; k++) pos[k] = step(wide, base, (start + k) * inner, pos[k]);
        }
      } else {
        for (int level = 0; level < depth; level++) {
          for (int k = 0; k < n; k++) pos[k] = stepOrSpecial(wide, base, (start + k) * inner, pos[k]);
        }
      }
      for (int k = 0; k < n; k++) {
        int t = start + k;
        sums[o + treeGroup[t]] += leaves[(t << depth) - inner + pos[k]];
      }
    }
  }

  /** From position {@code p} of the tree at {@code nodeBase}, the child the widened row at {@code base} goes to. */
  private int step(float[] wide, int base, int nodeBase, int p) {
    long node = nodes[nodeBase + p];
    float v = wide[base + (int) node];
    return 2 * p + (v < Float.intBitsToFloat((int) (node >>> 32)) ? 1 : 2);
  }

  /** {@link #step}, for a forest that has special splits. */
  private int stepOrSpecial(float[] wide, int base, int nodeBase, int p) {
    long node = nodes[nodeBase + p];
    int column = (int) node;
    if ((column & Forest.SPECIAL) == 0) {
      float v = wide[base + column];
      return 2 * p + (v < Float.intBitsToFloat((int) (node >>> 32)) ? 1 : 2);
    }
    float v = wide[base + (column & Forest.FEATURE_MASK)];
    return 2 * p + (special[(int) (node >>> 32)].goesLeft(v) ? 1 : 2);
  }
}
