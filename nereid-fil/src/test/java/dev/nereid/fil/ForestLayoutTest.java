package dev.nereid.fil;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Both tree layouts reach the leaf a plain walk of each {@link Tree} reaches, for the values where a
 * compare is easy to get wrong: NaN (both default sides), the infinities, both zeros, the smallest
 * subnormals, on splits whose threshold is itself NaN, an infinity or a signed zero, next to categorical
 * and zero-as-missing splits and leaves at every depth. The margins must be equal bit for bit (same leaves,
 * added in the same order), at batch sizes that take each layout's paths (one row, a few rows, blocks).
 * The agreement tests check the same against XGBoost and LightGBM themselves, on trained models.
 */
class ForestLayoutTest {
  static final int FEATURES = 6;
  static final float[] VALUES = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f, -1f, 1f, 0.5f,
      2f, 3f, Float.MIN_VALUE, -Float.MIN_VALUE, -Float.MAX_VALUE, Float.MAX_VALUE};
  static final float[] THRESHOLDS = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f, -1f, 1f,
      0.5f, Float.MIN_VALUE, -Float.MIN_VALUE, -Float.MAX_VALUE};

  @Test
  void bothLayoutsReachTheLeavesOfAPlainWalk() {
    SplittableRandom random = new SplittableRandom(5);
    List<Tree> trees = new ArrayList<>();
    for (int t = 0; t < 60; t++) trees.add(randomTree(random, t % 3, 7));
    trees.add(Tree.ofSize(1, 1.0, 1)); // a tree that is a single leaf (value 0)
    double[] base = {0.25, -0.5, 0.0};
    Forest complete = Forest.compile(FEATURES, trees, base, 1.0, Forest.Layout.AUTO);
    Forest linked = Forest.compile(FEATURES, trees, base, 1.0, Forest.Layout.LINKED);
    assertThat(complete.layout()).isInstanceOf(CompleteTrees.class);
    assertThat(linked.layout()).isInstanceOf(LinkedTrees.class);

    int rows = 3000;
    int stride = FEATURES + 1; // a wider input than the model reads
    float[] x = new float[rows * stride];
    for (int i = 0; i < x.length; i++) x[i] = VALUES[random.nextInt(VALUES.length)];
    double[] want = plainWalk(trees, base, x, stride, rows);
    for (Forest forest : List.of(complete, linked)) {
      for (int batch : new int[] {1, 5, 64, 1000}) {
        double[] got = new double[rows * base.length];
        for (int from = 0; from < rows; from += batch) {
          int to = Math.min(rows, from + batch);
          double[] part = new double[(to - from) * base.length];
          forest.margins(x, stride, from, to, part);
          System.arraycopy(part, 0, got, from * base.length, part.length);
        }
        for (int i = 0; i < got.length; i++) {
          assertThat(Double.doubleToRawLongBits(got[i]))
              .as("%s, batch %d, row %d group %d", forest.layout().description(), batch, i / base.length,
                  i % base.length)
              .isEqualTo(Double.doubleToRawLongBits(want[i]));
        }
      }
    }
  }

  @Test
  void aForestDeeperThanTheCompleteLayoutTakesStaysLinked() {
    SplittableRandom random = new SplittableRandom(9);
    List<Tree> trees = List.of(randomTree(random, 0, 12), randomTree(random, 0, 4));
    Forest forest = Forest.compile(FEATURES, trees, new double[] {0}, 1.0, Forest.Layout.AUTO);
    assertThat(depth(trees.get(0), 0)).isGreaterThan(CompleteTrees.MAX_DEPTH);
    assertThat(forest.layout()).isInstanceOf(LinkedTrees.class);
    float[] x = new float[500 * FEATURES];
    for (int i = 0; i < x.length; i++) x[i] = VALUES[random.nextInt(VALUES.length)];
    double[] got = new double[500];
    forest.margins(x, FEATURES, 0, 500, got);
    assertThat(got).containsExactly(plainWalk(trees, new double[] {0}, x, FEATURES, 500));
  }

  /** A tree of up to {@code maxDepth} levels: leaves at every depth, every kind of split. */
  private static Tree randomTree(SplittableRandom random, int group, int maxDepth) {
    Tree t = Tree.ofSize(group, random.nextBoolean() ? 1.0 : 0.3, (1 << (maxDepth + 1)) - 1);
    int[] next = {1};
    grow(t, 0, 0, maxDepth, random, next);
    return t;
  }

  private static void grow(Tree t, int n, int depth, int maxDepth, SplittableRandom random, int[] next) {
    // The first tree of depth 12 must reach it: split always on its leftmost path.
    boolean split = depth < maxDepth && (n == leftmost(depth) || random.nextDouble() < 0.8);
    if (!split) {
      t.leafValue()[n] = random.nextGaussian();
      return;
    }
    int left = next[0]++;
    int right = next[0]++;
    t.left()[n] = left;
    t.right()[n] = right;
    t.feature()[n] = random.nextInt(FEATURES);
    t.threshold()[n] = THRESHOLDS[random.nextInt(THRESHOLDS.length)];
    t.nanLeft()[n] = random.nextBoolean();
    double kind = random.nextDouble();
    if (kind < 0.08) {
      t.special()[n] = new SpecialSplit.XgboostCategories(new long[] {random.nextLong()}, random.nextBoolean());
    } else if (kind < 0.14) {
      t.special()[n] = new SpecialSplit.LightGbmCategories(new long[] {random.nextLong()});
    } else if (kind < 0.2) {
      t.special()[n] = new SpecialSplit.LightGbmZeroMissing(random.nextGaussian(), random.nextBoolean());
    }
    grow(t, left, depth + 1, maxDepth, random, next);
    grow(t, right, depth + 1, maxDepth, random, next);
  }

  /** Node numbers on the leftmost path as {@link #grow} numbers nodes (left child first, depth-first). */
  private static int leftmost(int depth) {
    return depth == 0 ? 0 : 2 * depth - 1;
  }

  private static int depth(Tree t, int n) {
    return t.isLeaf(n) ? 0 : 1 + Math.max(depth(t, t.left()[n]), depth(t, t.right()[n]));
  }

  /** The margins by walking each tree as {@link Tree} documents it, leaves added in tree order. */
  private static double[] plainWalk(List<Tree> trees, double[] base, float[] x, int stride, int rows) {
    double[] out = new double[rows * base.length];
    for (int r = 0; r < rows; r++) {
      double[] sums = new double[base.length];
      for (Tree t : trees) {
        int n = 0;
        while (!t.isLeaf(n)) {
          float v = x[r * stride + t.feature()[n]];
          SpecialSplit s = t.special()[n];
          boolean left = s != null ? s.goesLeft(v) : v < t.threshold()[n] || (Float.isNaN(v) && t.nanLeft()[n]);
          n = left ? t.left()[n] : t.right()[n];
        }
        sums[t.group()] += t.leafValue()[n] * t.weight();
      }
      for (int g = 0; g < base.length; g++) out[r * base.length + g] = base[g] + sums[g];
    }
    return out;
  }
}
