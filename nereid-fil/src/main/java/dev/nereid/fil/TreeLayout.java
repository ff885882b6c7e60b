package dev.nereid.fil;

/**
 * How a {@link Forest}'s trees sit in memory and are walked. Every layout reaches the same leaf for every
 * row and adds the leaves in tree order, so the choice changes speed, never a prediction.
 */
sealed interface TreeLayout permits LinkedTrees, CompleteTrees {
  /**
   * For rows {@code [first, first + rows)} of a row-major matrix with {@code stride} columns, adds every
   * tree's leaf value, trees in order, to {@code sums[r * numGroups + group]} ({@code r} counted from 0 at
   * {@code first}).
   */
  void addLeaves(float[] x, int stride, int first, int rows, double[] sums);

  /** What the layout is, for the log line of a loaded model (e.g. "complete trees of depth 8"). */
  String description();
}
