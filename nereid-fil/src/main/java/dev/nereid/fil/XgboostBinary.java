package dev.nereid.fil;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads XGBoost's legacy binary model format ({@code xgboost.model} as written by XGBoost up to 2.0, or
 * by later versions for a {@code .deprecated} file name): little-endian C structs. The learner parameters
 * (136 bytes: base_score, num_feature, num_class, ...), the objective and booster names, the gbtree
 * parameters (160 bytes), then per tree its parameters (148 bytes), nodes (20 bytes each: parent, left,
 * right, split index with the default-left bit on top, split condition or leaf value) and node statistics
 * (16 bytes each, skipped), then each tree's output group, and for DART the tree weights. The format has
 * no categorical splits.
 */
final class XgboostBinary {
  private static final int LEARNER_PARAM_BYTES = 136;
  private static final int GBTREE_PARAM_BYTES = 160;
  private static final int TREE_PARAM_BYTES = 148;
  private static final int STAT_BYTES = 16;

  private XgboostBinary() {}

  static TreeModel read(byte[] bytes, String what, Forest.Layout layout) {
    try {
      return parse(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), what, layout);
    } catch (BufferUnderflowException e) {
      throw new ModelFileException(what + " is not an XGBoost model: it is neither JSON nor UBJSON, and too short "
          + "for the legacy binary format");
    }
  }

  private static TreeModel parse(ByteBuffer in, String what, Forest.Layout layout) {
    if (in.remaining() >= 4 && in.get(0) == 'b' && in.get(1) == 'i' && in.get(2) == 'n' && in.get(3) == 'f') {
      in.position(4);
    } else if (in.remaining() >= 4 && in.get(0) == 'b' && in.get(1) == 's' && in.get(2) == '6' && in.get(3) == '4') {
      throw new ModelFileException(what + ": base64-encoded XGBoost models are not supported; save it as binary, "
          + "JSON or UBJSON");
    }
    int start = in.position();
    float baseScore = in.getFloat();
    int numFeature = in.getInt();
    int numClass = in.getInt();
    in.getInt(); // contain_extra_attrs: the attributes follow the trees, which is all this reader needs
    in.getInt(); // contain_eval_metrics
    int major = in.getInt();
    int minor = in.getInt();
    in.position(start + LEARNER_PARAM_BYTES);
    String objective = string(in, what);
    String booster = string(in, what);
    if (!booster.equals("gbtree") && !booster.equals("dart")) {
      throw new ModelFileException(what + ": the " + booster + " booster is not a tree model; the fil backend serves "
          + "gbtree and dart boosters");
    }
    if (numFeature < 0 || numClass < 0) {
      throw new ModelFileException(what + " is not an XGBoost legacy binary model (num_feature " + numFeature
          + ", num_class " + numClass + ")");
    }
    int gbStart = in.position();
    int numTrees = in.getInt();
    in.position(gbStart + GBTREE_PARAM_BYTES);
    if (numTrees < 0 || numTrees > in.remaining() / TREE_PARAM_BYTES) {
      throw new ModelFileException(what + " is not an XGBoost legacy binary model (" + numTrees + " trees)");
    }
    List<Tree> trees = new ArrayList<>(numTrees);
    for (int t = 0; t < numTrees; t++) trees.add(tree(in, what + " tree " + t));
    for (int t = 0; t < numTrees; t++) {
      int group = in.getInt();
      Tree tree = trees.get(t);
      trees.set(t, new Tree(group, tree.weight(), tree.left(), tree.right(), tree.feature(), tree.threshold(),
          tree.nanLeft(), tree.leafValue(), tree.special()));
    }
    if (booster.equals("dart") && numTrees > 0) {
      long count = in.getLong();
      for (int t = 0; t < count && t < numTrees; t++) {
        float w = in.getFloat();
        Tree tree = trees.get(t);
        trees.set(t, new Tree(tree.group(), w, tree.left(), tree.right(), tree.feature(), tree.threshold(),
            tree.nanLeft(), tree.leafValue(), tree.special()));
      }
    }
    int groups = Math.max(1, numClass);
    XgboostJson.ObjectiveLink link = XgboostJson.linkOf(objective, what);
    double[] base = XgboostJson.baseMargin(Float.toString(baseScore), groups, link, what);
    Forest forest;
    try {
      forest = Forest.compile(numFeature, trees, base, 1.0, layout);
    } catch (IllegalArgumentException e) {
      throw new ModelFileException(what + ": " + e.getMessage(), e);
    }
    String version = major > 0 ? major + "." + minor : "(version unknown)";
    return new TreeModel(forest, link.link(), 1.0, "XGBoost " + version + " legacy binary " + booster + ", " + objective
        + ", " + numTrees + " trees");
  }

  private static Tree tree(ByteBuffer in, String what) {
    int start = in.position();
    in.getInt(); // num_roots
    int numNodes = in.getInt();
    in.position(start + TREE_PARAM_BYTES);
    if (numNodes <= 0 || numNodes > in.remaining() / 20) {
      throw new ModelFileException(what + " has " + numNodes + " nodes; the file is damaged or not a legacy binary model");
    }
    Tree tree = Tree.ofSize(0, 1.0, numNodes);
    for (int n = 0; n < numNodes; n++) {
      in.getInt(); // parent
      int left = in.getInt();
      int right = in.getInt();
      int sindex = in.getInt();
      float info = in.getFloat();
      if (left == -1) {
        tree.leafValue()[n] = info;
      } else {
        tree.left()[n] = left;
        tree.right()[n] = right;
        tree.feature()[n] = sindex & 0x7FFFFFFF;
        tree.nanLeft()[n] = sindex < 0;
        tree.threshold()[n] = info;
      }
    }
    in.position(in.position() + numNodes * STAT_BYTES);
    return tree;
  }

  private static String string(ByteBuffer in, String what) {
    long n = in.getLong();
    if (n < 0 || n > 256 || n > in.remaining()) {
      throw new ModelFileException(what + " is not an XGBoost model: it is neither JSON nor UBJSON, and not the "
          + "legacy binary format (a name of " + n + " bytes)");
    }
    byte[] b = new byte[(int) n];
    in.get(b);
    return new String(b, StandardCharsets.US_ASCII);
  }
}
