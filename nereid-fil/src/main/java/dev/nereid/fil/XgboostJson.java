package dev.nereid.fil;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads XGBoost's JSON model schema (as written by {@code save_model("*.json")} or, parsed by {@link Ubjson},
 * {@code "*.ubj"}) from XGBoost 1.0 to 3.x: {@code gbtree} and {@code dart} boosters, numerical and
 * categorical splits, per-node default directions for missing values, and {@code base_score} both as the
 * scalar string of 1.x/2.x ({@code "5E-1"}) and the vector string of 3.x ({@code "[5E-1]"}).
 *
 * <p>Fields the reader does not need are ignored, which is what Triton's {@code xgboost_allow_unknown_field}
 * asks for; without it Triton rejects unknown fields, which this reader does not do.
 */
final class XgboostJson {
  private XgboostJson() {}

  /** Builds the model from the parsed document; {@code what} names the file in messages. */
  static TreeModel read(JsonNode root, String what, Forest.Layout layout) {
    try {
      return parse(root, what, layout);
    } catch (ModelFileException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ModelFileException(what + " is not an XGBoost model in the JSON schema: " + e, e);
    }
  }

  private static TreeModel parse(JsonNode root, String what, Forest.Layout layout) {
    JsonNode learner = required(root, "learner", what);
    String version = versionOf(root);
    JsonNode param = required(learner, "learner_model_param", what);
    int numFeature = intField(param, "num_feature", 0);
    int numClass = intField(param, "num_class", 0);
    int numTarget = intField(param, "num_target", 1);
    String objective = required(required(learner, "objective", what), "name", what).asText();
    JsonNode booster = required(learner, "gradient_booster", what);
    String boosterName = booster.path("name").asText("gbtree");
    JsonNode model;
    JsonNode weightDrop = null;
    switch (boosterName) {
      case "gbtree" -> model = required(booster, "model", what);
      case "dart" -> {
        model = required(required(booster, "gbtree", what), "model", what);
        weightDrop = booster.get("weight_drop");
      }
      default -> throw new ModelFileException(what + ": the " + boosterName
          + " booster is not a tree model; the fil backend serves gbtree and dart boosters");
    }
    int numGroups = numClass > 1 ? numClass : Math.max(1, numTarget);
    ObjectiveLink link = linkOf(objective, what);
    double[] base = baseMargin(param.path("base_score").asText("0.5"), numGroups, link, what);

    JsonNode trees = required(model, "trees", what);
    JsonNode treeInfo = model.path("tree_info");
    List<Tree> list = new ArrayList<>(trees.size());
    for (int i = 0; i < trees.size(); i++) {
      int group = treeInfo.size() > i ? treeInfo.get(i).asInt() : 0;
      double weight = weightDrop != null && weightDrop.size() > i ? (float) weightDrop.get(i).asDouble() : 1.0;
      list.add(tree(trees.get(i), group, weight, what + " tree " + i));
    }
    Forest forest;
    try {
      forest = Forest.compile(numFeature, list, base, 1.0, layout);
    } catch (IllegalArgumentException e) {
      throw new ModelFileException(what + ": " + e.getMessage(), e);
    }
    return new TreeModel(forest, link.link(), 1.0,
        "XGBoost " + version + " " + boosterName + ", " + objective + ", " + list.size() + " trees");
  }

  private static Tree tree(JsonNode t, int group, double weight, String what) {
    JsonNode leafVector = t.path("tree_param").path("size_leaf_vector");
    if (!leafVector.isMissingNode() && leafVector.asInt() > 1) {
      throw new ModelFileException(what + " has vector leaves (multi_strategy multi_output_tree), which the fil "
          + "backend does not serve; train with multi_strategy one_output_per_tree");
    }
    JsonNode left = required(t, "left_children", what);
    JsonNode right = required(t, "right_children", what);
    JsonNode index = required(t, "split_indices", what);
    JsonNode cond = required(t, "split_conditions", what);
    JsonNode defaultLeft = required(t, "default_left", what);
    JsonNode splitType = t.path("split_type");
    int size = left.size();
    for (JsonNode a : List.of(right, index, cond, defaultLeft)) {
      if (a.size() != size) {
        throw new ModelFileException(what + ": its node arrays have different lengths (" + size + " and " + a.size() + ")");
      }
    }
    Tree tree = Tree.ofSize(group, weight, size);
    for (int n = 0; n < size; n++) {
      int l = left.get(n).asInt();
      if (l == -1) {
        tree.leafValue()[n] = (float) cond.get(n).asDouble();
        continue;
      }
      tree.left()[n] = l;
      tree.right()[n] = right.get(n).asInt();
      tree.feature()[n] = index.get(n).asInt();
      tree.threshold()[n] = (float) cond.get(n).asDouble();
      JsonNode d = defaultLeft.get(n);
      tree.nanLeft()[n] = d.isBoolean() ? d.booleanValue() : d.asInt() != 0;
    }
    if (splitType.size() > 0) {
      JsonNode nodes = t.path("categories_nodes");
      JsonNode segments = t.path("categories_segments");
      JsonNode sizes = t.path("categories_sizes");
      JsonNode categories = t.path("categories");
      for (int k = 0; k < nodes.size(); k++) {
        int n = nodes.get(k).asInt();
        if (splitType.get(n).asInt() != 1) continue;
        int from = segments.get(k).asInt();
        int count = sizes.get(k).asInt();
        int max = 0;
        for (int c = from; c < from + count; c++) max = Math.max(max, categories.get(c).asInt());
        long[] words = new long[max / 64 + 1];
        for (int c = from; c < from + count; c++) {
          int category = categories.get(c).asInt();
          words[category >>> 6] |= 1L << (category & 63);
        }
        tree.special()[n] = new SpecialSplit.XgboostCategories(words, tree.nanLeft()[n]);
      }
    }
    return tree;
  }

  /** An objective's link, and how its {@code base_score} (a prediction) becomes a margin. */
  record ObjectiveLink(Link link, BaseTransform base) {}

  enum BaseTransform { AS_IS, LOGIT, LOG }

  static ObjectiveLink linkOf(String objective, String what) {
    return switch (objective) {
      case "binary:logistic", "reg:logistic" -> new ObjectiveLink(Link.SIGMOID, BaseTransform.LOGIT);
      case "binary:logitraw" -> new ObjectiveLink(Link.IDENTITY, BaseTransform.LOGIT);
      case "multi:softprob", "multi:softmax" -> new ObjectiveLink(Link.SOFTMAX, BaseTransform.AS_IS);
      case "count:poisson", "reg:gamma", "reg:tweedie" -> new ObjectiveLink(Link.EXP, BaseTransform.LOG);
      case "reg:squarederror", "reg:linear", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror",
          "reg:quantileerror", "rank:pairwise", "rank:ndcg", "rank:map" ->
          new ObjectiveLink(Link.IDENTITY, BaseTransform.AS_IS);
      default -> throw new ModelFileException(what + ": objective '" + objective + "' is not supported by the fil "
          + "backend (supported: binary:logistic, reg:logistic, binary:logitraw, multi:softprob, multi:softmax, "
          + "reg:squarederror and the other identity-link regressions, count:poisson, reg:gamma, reg:tweedie, rank:*)");
    };
  }

  /**
   * The base margin per output group from {@code base_score}: a number ({@code "5E-1"}) or, since 3.0, a
   * bracketed list ({@code "[5E-1]"}, one value or one per group), given as a prediction and turned into a
   * margin by the objective's inverse link, as XGBoost does at load.
   */
  static double[] baseMargin(String text, int groups, ObjectiveLink link, String what) {
    String s = text.trim();
    if (s.startsWith("[")) s = s.substring(1, s.length() - 1);
    String[] parts = s.isBlank() ? new String[] {"0.5"} : s.split(",");
    if (parts.length != 1 && parts.length != groups) {
      throw new ModelFileException(what + ": base_score has " + parts.length + " values for " + groups + " outputs");
    }
    double[] base = new double[groups];
    for (int g = 0; g < groups; g++) {
      float p = Float.parseFloat(parts[parts.length == 1 ? 0 : g].trim().toUpperCase(Locale.ROOT));
      base[g] = switch (link.base()) {
        case AS_IS -> p;
        case LOGIT -> (float) -Math.log(1.0 / p - 1.0);
        case LOG -> (float) Math.log(p);
      };
    }
    return base;
  }

  private static String versionOf(JsonNode root) {
    JsonNode v = root.path("version");
    if (!v.isArray() || v.isEmpty()) return "(version unknown)";
    StringBuilder b = new StringBuilder();
    for (JsonNode part : v) b.append(b.isEmpty() ? "" : ".").append(part.asInt());
    return b.toString();
  }

  private static int intField(JsonNode parent, String field, int orElse) {
    JsonNode n = parent.get(field);
    if (n == null) return orElse;
    String s = n.asText().trim();
    if (s.isEmpty()) return orElse;
    return (int) Double.parseDouble(s); // XGBoost writes these as strings, e.g. "3"
  }

  private static JsonNode required(JsonNode parent, String field, String what) {
    JsonNode n = parent.get(field);
    if (n == null || n.isNull()) {
      throw new ModelFileException(what + " is not an XGBoost JSON model: field '" + field + "' is missing");
    }
    return n;
  }
}
