package dev.nereid.fil;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads LightGBM's text model format ({@code model.txt}, from {@code save_model}): the header's
 * {@code num_class}, {@code num_tree_per_iteration}, {@code max_feature_idx}, {@code objective} and
 * {@code average_output}, then each {@code Tree=} block's split arrays. Splits keep LightGBM's semantics:
 * numerical {@code x <= threshold} compared in double, the three missing-value types of
 * {@code decision_type} (None: NaN counts as 0; Zero: 0 and NaN take the default side; NaN: NaN takes the
 * default side), and categorical splits as bitsets ({@code cat_boundaries}, {@code cat_threshold}).
 */
final class LightGbmText {
  private LightGbmText() {}

  static TreeModel read(String text, String what, Forest.Layout layout) {
    try {
      return parse(text, what, layout);
    } catch (ModelFileException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ModelFileException(what + " is not a LightGBM text model: " + e, e);
    }
  }

  private static TreeModel parse(String text, String what, Forest.Layout layout) {
    String[] lines = text.split("\r?\n");
    Map<String, String> header = new HashMap<>();
    boolean average = false;
    int i = 0;
    if (lines.length == 0 || !lines[0].trim().equals("tree")) {
      throw new ModelFileException(what + " is not a LightGBM text model: it does not start with the line 'tree'");
    }
    for (; i < lines.length && !lines[i].startsWith("Tree="); i++) {
      String line = lines[i].trim();
      if (line.equals("average_output")) average = true;
      int eq = line.indexOf('=');
      if (eq > 0) header.put(line.substring(0, eq), line.substring(eq + 1));
    }
    int numClass = Integer.parseInt(header.getOrDefault("num_class", "1").trim());
    int perIteration = Integer.parseInt(header.getOrDefault("num_tree_per_iteration", Integer.toString(numClass)).trim());
    String maxFeature = header.get("max_feature_idx");
    if (maxFeature == null) {
      throw new ModelFileException(what + " is not a LightGBM text model: the header has no max_feature_idx");
    }
    int numFeatures = Integer.parseInt(maxFeature.trim()) + 1;
    String objective = header.getOrDefault("objective", "regression").trim();
    ObjectiveLink link = link(objective, what);

    List<Tree> trees = new ArrayList<>();
    while (i < lines.length && lines[i].startsWith("Tree=")) {
      Map<String, String> block = new HashMap<>();
      int index = trees.size();
      for (i++; i < lines.length && !lines[i].startsWith("Tree=") && !lines[i].startsWith("end of trees"); i++) {
        String line = lines[i];
        int eq = line.indexOf('=');
        if (eq > 0) block.put(line.substring(0, eq), line.substring(eq + 1));
      }
      trees.add(tree(block, index % perIteration, what + " Tree=" + index));
    }
    if (trees.isEmpty()) {
      throw new ModelFileException(what + " has no trees");
    }
    double divisor = average ? Math.max(1, trees.size() / perIteration) : 1.0;
    Forest forest;
    try {
      forest = Forest.compile(numFeatures, trees, new double[perIteration], divisor, layout);
    } catch (IllegalArgumentException e) {
      throw new ModelFileException(what + ": " + e.getMessage(), e);
    }
    return new TreeModel(forest, link.link(), link.sigmoidScale(),
        "LightGBM " + header.getOrDefault("version", "") + " " + objective + ", " + trees.size() + " trees");
  }

  record ObjectiveLink(Link link, double sigmoidScale) {}

  private static ObjectiveLink link(String objective, String what) {
    String[] parts = objective.split("\\s+");
    double sigmoid = 1.0;
    for (String p : parts) {
      if (p.startsWith("sigmoid:")) sigmoid = Double.parseDouble(p.substring("sigmoid:".length()));
      if (p.equals("sqrt")) {
        throw new ModelFileException(what + ": objective '" + objective + "' (reg_sqrt) is not supported by the fil backend");
      }
    }
    return switch (parts[0]) {
      case "binary", "multiclassova", "cross_entropy", "xentropy" -> new ObjectiveLink(Link.SIGMOID, sigmoid);
      case "multiclass", "softmax" -> new ObjectiveLink(Link.SOFTMAX, 1.0);
      case "poisson", "gamma", "tweedie" -> new ObjectiveLink(Link.EXP, 1.0);
      case "regression", "regression_l2", "regression_l1", "l1", "l2", "huber", "fair", "quantile", "mape",
          "lambdarank", "rank_xendcg", "custom", "none" -> new ObjectiveLink(Link.IDENTITY, 1.0);
      default -> throw new ModelFileException(what + ": LightGBM objective '" + objective + "' is not supported by the "
          + "fil backend (supported: binary, multiclass, multiclassova, cross_entropy, regression and its variants, "
          + "poisson, gamma, tweedie, ranking)");
    };
  }

  private static Tree tree(Map<String, String> block, int group, String what) {
    if ("1".equals(block.getOrDefault("is_linear", "0").trim())) {
      throw new ModelFileException(what + " is a linear tree (linear_tree=true), which the fil backend does not serve");
    }
    int numLeaves = Integer.parseInt(field(block, "num_leaves", what).trim());
    double[] leafValue = doubles(field(block, "leaf_value", what));
    if (numLeaves <= 1) {
      Tree t = Tree.ofSize(group, 1.0, 1);
      t.leafValue()[0] = leafValue[0];
      return t;
    }
    int internal = numLeaves - 1;
    int[] feature = ints(field(block, "split_feature", what));
    double[] threshold = doubles(field(block, "threshold", what));
    int[] decision = ints(field(block, "decision_type", what));
    int[] left = ints(field(block, "left_child", what));
    int[] right = ints(field(block, "right_child", what));
    int[] catBoundaries = block.containsKey("cat_boundaries") ? ints(block.get("cat_boundaries")) : new int[0];
    long[] catThreshold = block.containsKey("cat_threshold") ? longs(block.get("cat_threshold")) : new long[0];
    Tree t = Tree.ofSize(group, 1.0, internal + numLeaves);
    for (int l = 0; l < numLeaves; l++) t.leafValue()[internal + l] = leafValue[l];
    for (int n = 0; n < internal; n++) {
      t.left()[n] = left[n] >= 0 ? left[n] : internal + ~left[n];
      t.right()[n] = right[n] >= 0 ? right[n] : internal + ~right[n];
      t.feature()[n] = feature[n];
      int type = decision[n];
      boolean defaultLeft = (type & 2) != 0;
      int missing = (type >> 2) & 3;
      if ((type & 1) != 0) {
        int cat = (int) threshold[n];
        int from = catBoundaries[cat];
        int to = catBoundaries[cat + 1];
        long[] words = new long[(to - from + 1) / 2];
        for (int w = from; w < to; w++) {
          int k = w - from;
          words[k >>> 1] |= (catThreshold[w] & 0xFFFFFFFFL) << (32 * (k & 1));
        }
        t.special()[n] = new SpecialSplit.LightGbmCategories(words);
      } else if (missing == 1) {
        t.special()[n] = new SpecialSplit.LightGbmZeroMissing(threshold[n], defaultLeft);
      } else {
        t.threshold()[n] = Tree.lessOrEqualAsLessThan(threshold[n]);
        t.nanLeft()[n] = missing == 2 ? defaultLeft : 0.0 <= threshold[n];
      }
    }
    return t;
  }

  private static String field(Map<String, String> block, String key, String what) {
    String v = block.get(key);
    if (v == null) throw new ModelFileException(what + " has no " + key + " line");
    return v;
  }

  private static int[] ints(String s) {
    String[] p = s.trim().split(" ");
    int[] out = new int[p.length];
    for (int i = 0; i < p.length; i++) out[i] = Integer.parseInt(p[i]);
    return out;
  }

  private static long[] longs(String s) {
    String[] p = s.trim().split(" ");
    long[] out = new long[p.length];
    for (int i = 0; i < p.length; i++) out[i] = Long.parseLong(p[i]);
    return out;
  }

  private static double[] doubles(String s) {
    String[] p = s.trim().split(" ");
    double[] out = new double[p.length];
    for (int i = 0; i < p.length; i++) out[i] = parseDouble(p[i]);
    return out;
  }

  private static double parseDouble(String s) {
    return switch (s) {
      case "inf", "+inf" -> Double.POSITIVE_INFINITY;
      case "-inf" -> Double.NEGATIVE_INFINITY;
      case "nan", "-nan" -> Double.NaN;
      default -> Double.parseDouble(s);
    };
  }
}
